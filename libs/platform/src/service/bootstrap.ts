import type { ExceptionFilter, Type } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';

import { InboxTransport, RethrowRpcErrorsFilter } from '@switchboard/inbox';
import { enableContextPropagation } from '@switchboard/telemetry';

import { httpMetricsMiddleware } from '../metrics/http.metrics';
import { securityHeaders, serveOpenApi, type OpenApiOptions } from '../openapi';
import { armShutdownDeadline, listenThenConsume } from './shutdown';

import type { ServiceDefinition } from './service-definition';

/**
 * Starts a service: HTTP (API, its OpenAPI document at /docs, health, metrics) first, then, for consumers, the inbox transport.
 * SIGTERM closes the consumer first (the batch in progress commits), then the outbox relay flushes
 * (bounded by OUTBOX_FLUSH_TIMEOUT_MS), then the database pool closes, all within SHUTDOWN_TIMEOUT_MS.
 */
export async function bootstrapService(
  definition: ServiceDefinition,
  module: Type<unknown>,
  options: {
    filters?: ExceptionFilter[];
    /** `false`: the service reads its bodies itself (ingest checks the signature before parsing). */
    bodyParser?: boolean;
    /** The service's own security schemes for its /docs (ingest's signature headers). */
    openApi?: OpenApiOptions;
  } = {},
): Promise<NestExpressApplication> {
  enableContextPropagation();
  const parse = options.bodyParser !== false;
  const app = await NestFactory.create<NestExpressApplication>(module, {
    bufferLogs: true,
    rawBody: parse,
    bodyParser: parse,
  });
  app.useLogger(app.get(Logger));
  app.use(httpMetricsMiddleware());
  // No framework banner, and the security headers a platform review expects (nosniff, HSTS, CSP, ...);
  // /docs gets a CSP that lets Swagger UI load its own assets.
  app.disable('x-powered-by');
  app.use(securityHeaders());
  if (parse) app.useBodyParser('json', { limit: '1mb' });
  app.enableShutdownHooks();
  const config = app.get(ConfigService);
  armShutdownDeadline(config.getOrThrow<number>('SHUTDOWN_TIMEOUT_MS'));
  app.useGlobalFilters(...(options.filters ?? []));
  const transport = app.get(InboxTransport, { strict: false });
  if (transport) {
    // Registered before the microservice is connected, so it inherits it (inheritAppConfig).
    app.useGlobalFilters(new RethrowRpcErrorsFilter(app.get(HttpAdapterHost).httpAdapter));
    app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
  }
  // Every service describes its API at /docs, from its controllers and DTOs.
  serveOpenApi(app, definition.name, options.openApi);
  const port = config.get<number>('PORT') ?? definition.defaultPort;
  await listenThenConsume(app, port, Boolean(transport));
  app.get(Logger).log({ msg: `${definition.name} listening`, port });
  return app;
}
