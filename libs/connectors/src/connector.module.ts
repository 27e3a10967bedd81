import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { DOWNSTREAM_CONNECTOR, type DownstreamConnector, type DownstreamKind } from '@switchboard/downstream';

import { BuiltInConnector } from './builtin-connector';
import { CardDavConnector } from './carddav/carddav-connector';
import { HttpConnector } from './http-connector';
import { RequestTrackerConnector } from './request-tracker/request-tracker-connector';
import { tracedConnector } from './traced-connector';
import { TrytonConnector } from './tryton/tryton-connector';

/**
 * A service's connector to the system its flows write to, chosen by DOWNSTREAM_MODE: its own tables
 * (`builtin`), a REST system (`http`), or the real open-source system of its kind (`real`). A
 * service imports `ConnectorModule.forDownstream(kind)` (and validates `connectorEnvClasses(kind)`)
 * and injects DOWNSTREAM_CONNECTOR; what does not write downstream knows no vendor.
 */
@Module({})
export class ConnectorModule {
  static forDownstream(kind: DownstreamKind): DynamicModule {
    return {
      module: ConnectorModule,
      global: true,
      providers: [
        {
          provide: DOWNSTREAM_CONNECTOR,
          inject: [ConfigService],
          useFactory: (config: ConfigService) => tracedConnector(createConnector(kind, config)),
        },
      ],
      exports: [DOWNSTREAM_CONNECTOR],
    };
  }
}

function createConnector(name: DownstreamKind, config: ConfigService): DownstreamConnector {
  const mode = config.getOrThrow<string>('DOWNSTREAM_MODE');
  if (mode === 'real') return createRealConnector(name, config);
  if (mode !== 'http') return new BuiltInConnector(name);
  const connector = new HttpConnector({
    name,
    baseUrl: config.getOrThrow<string>('DOWNSTREAM_URL'),
    token: config.get<string>('DOWNSTREAM_TOKEN'),
    tokenFile: config.get<string>('DOWNSTREAM_TOKEN_FILE'),
    timeoutMs: config.getOrThrow<number>('DOWNSTREAM_TIMEOUT_MS'),
    maxResponseBytes: config.getOrThrow<number>('DOWNSTREAM_MAX_RESPONSE_BYTES'),
    maxRetryAfterMs: config.getOrThrow<number>('DOWNSTREAM_MAX_RETRY_AFTER_SECONDS') * 1000,
  });
  // SIGHUP reloads rotated credentials without a restart; a held consumer then resumes.
  process.on('SIGHUP', () => connector.reloadCredentials());
  return connector;
}

/** The real open-source system behind each downstream kind (docs/real-systems.md). */
function createRealConnector(name: string, config: ConfigService): DownstreamConnector {
  const timeoutMs = config.getOrThrow<number>('DOWNSTREAM_TIMEOUT_MS');
  const maxResponseBytes = config.getOrThrow<number>('DOWNSTREAM_MAX_RESPONSE_BYTES');
  switch (name) {
    case 'erp':
    case 'finance':
      return new TrytonConnector({
        name: `tryton-${name}`,
        url: config.getOrThrow<string>('TRYTON_URL'),
        database: config.getOrThrow<string>('TRYTON_DATABASE'),
        username: config.getOrThrow<string>('TRYTON_USER'),
        password: config.get<string>('TRYTON_PASSWORD'),
        passwordFile: config.get<string>('TRYTON_PASSWORD_FILE'),
        invoicing: config.getOrThrow<'sale' | 'finance'>('TRYTON_INVOICING'),
        timeoutMs,
        maxResponseBytes,
      });
    case 'support':
      return new RequestTrackerConnector({
        name: 'request-tracker',
        url: config.getOrThrow<string>('RT_URL'),
        username: config.getOrThrow<string>('RT_USER'),
        password: config.get<string>('RT_PASSWORD'),
        passwordFile: config.get<string>('RT_PASSWORD_FILE'),
        queue: config.getOrThrow<string>('RT_QUEUE'),
        timeoutMs,
        maxResponseBytes,
      });
    case 'contacts':
      return new CardDavConnector({
        name: 'carddav',
        addressBookUrl: config.getOrThrow<string>('CARDDAV_URL'),
        username: config.getOrThrow<string>('CARDDAV_USER'),
        password: config.get<string>('CARDDAV_PASSWORD'),
        passwordFile: config.get<string>('CARDDAV_PASSWORD_FILE'),
        timeoutMs,
        maxResponseBytes,
      });
    default:
      // Marketing has no real system on this machine: it keeps its own tables.
      return new BuiltInConnector(name);
  }
}
