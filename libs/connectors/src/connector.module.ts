import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import {
  CRM_ACCOUNTS,
  DOWNSTREAM_CONNECTOR,
  type CrmAccounts,
  type DownstreamConnector,
  type DownstreamKind,
} from '@switchboard/downstream';

import { BuiltInConnector, BuiltInCrmAccounts } from './builtin-connector';
import { CardDavConnector } from './carddav/carddav-connector';
import { HttpConnector } from './http-connector';
import { RequestTrackerConnector } from './request-tracker/request-tracker-connector';
import { tracedConnector } from './traced-connector';
import { TrytonClient } from './tryton/tryton-client';
import { TrytonConnector } from './tryton/tryton-connector';
import { TrytonCrmAccounts } from './tryton/tryton-crm';

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

  /**
   * The CRM's accounts (CRM_ACCOUNTS) for a service that writes into the CRM: in `real` mode the
   * Tryton CRM database (CRM_* settings, validated by `connectorEnvClasses('crm')`); otherwise there
   * is no CRM to write to and the service's own tables are the record (BuiltInCrmAccounts).
   */
  static forCrm(): DynamicModule {
    return {
      module: ConnectorModule,
      global: true,
      providers: [
        {
          provide: CRM_ACCOUNTS,
          inject: [ConfigService],
          useFactory: (config: ConfigService): CrmAccounts => createCrmAccounts(config),
        },
      ],
      exports: [CRM_ACCOUNTS],
    };
  }
}

function createCrmAccounts(config: ConfigService): CrmAccounts {
  const mode = config.getOrThrow<string>('DOWNSTREAM_MODE');
  if (mode === 'http')
    throw new Error('DOWNSTREAM_MODE=http: the CRM has no REST adapter (use builtin or real)');
  if (mode !== 'real') return new BuiltInCrmAccounts();
  return new TrytonCrmAccounts(
    new TrytonClient({
      name: 'tryton-crm',
      url: config.getOrThrow<string>('CRM_URL'),
      database: config.getOrThrow<string>('CRM_DATABASE'),
      username: config.getOrThrow<string>('CRM_USER'),
      password: config.get<string>('CRM_PASSWORD'),
      passwordFile: config.get<string>('CRM_PASSWORD_FILE'),
      timeoutMs: config.getOrThrow<number>('DOWNSTREAM_TIMEOUT_MS'),
      maxResponseBytes: config.getOrThrow<number>('DOWNSTREAM_MAX_RESPONSE_BYTES'),
    }),
  );
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
