import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { ConfigService } from '@nestjs/config';
import { currentTraceIds } from '@switchboard/telemetry';

/**
 * Paths never written to a log line: credentials and personal data (e-mail, phone, VAT, names).
 * Request bodies are not logged at all; these cover objects passed to the logger by hand.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-switchboard-signature"]',
  '*.email',
  '*.phone',
  '*.vatNumber',
  '*.firstName',
  '*.lastName',
  '*.name',
  '*.password',
  '*.secret',
  '*.token',
  // A database error's statement parameters and server detail hold the values written.
  '*.parameters',
  '*.detail',
  '*.driverError',
];

export function loggerModule(service: string) {
  return LoggerModule.forRootAsync({
    inject: [ConfigService],
    useFactory: (config: ConfigService) => ({
      pinoHttp: {
        level: config.get<string>('LOG_LEVEL', 'info'),
        base: { service, version: config.get<string>('SERVICE_VERSION') },
        messageKey: 'msg',
        redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
        // Correlates every line with the trace of the business event being handled.
        mixin: () => currentTraceIds() ?? {},
        // Successful requests are debug noise at volume; failures stay visible.
        customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
          error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug',
        autoLogging: { ignore: (req: IncomingMessage) => /^\/(health|metrics)/.test(req.url ?? '') },
        serializers: {
          req: (req: { method: string; url: string; id: unknown }) => ({
            id: req.id,
            method: req.method,
            url: req.url,
          }),
          res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        },
        transport: config.get<boolean>('LOG_PRETTY')
          ? { target: 'pino-pretty', options: { singleLine: true } }
          : undefined,
      },
    }),
  });
}
