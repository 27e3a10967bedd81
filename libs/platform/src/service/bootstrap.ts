import type { ExceptionFilter, Type } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';

import { InboxTransport, RethrowRpcErrorsFilter } from '@switchboard/inbox';
import { enableContextPropagation } from '@switchboard/telemetry';

import type { ServiceDefinition } from './service-definition';

/**
 * Starts a service: HTTP (API, health, metrics) plus, for consumers, the inbox transport. SIGTERM
 * closes the consumer first (the batch in progress commits), then the outbox relay flushes, then
 * the database pool closes.
 */
export async function bootstrapService(
  definition: ServiceDefinition,
  module: Type<unknown>,
  options: { filters?: ExceptionFilter[] } = {},
): Promise<NestExpressApplication> {
  enableContextPropagation();
  const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true, rawBody: true });
  app.useLogger(app.get(Logger));
  app.useBodyParser('json', { limit: '1mb' });
  app.enableShutdownHooks();
  app.useGlobalFilters(...(options.filters ?? []));
  const transport = app.get(InboxTransport, { strict: false });
  if (transport) {
    // Registered before the microservice is connected, so it inherits it (inheritAppConfig).
    app.useGlobalFilters(new RethrowRpcErrorsFilter(app.get(HttpAdapterHost).httpAdapter));
    app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
    await app.startAllMicroservices();
  }
  const port = app.get(ConfigService).get<number>('PORT') ?? definition.defaultPort;
  await app.listen(port, '0.0.0.0');
  app.get(Logger).log({ msg: `${definition.name} listening`, port });
  return app;
}
