import type { IncomingMessage } from 'node:http';
import { dirname } from 'node:path';

import type * as ExpressInstrumentationModule from '@opentelemetry/instrumentation-express';
import type * as HttpInstrumentationModule from '@opentelemetry/instrumentation-http';
import type * as PgInstrumentationModule from '@opentelemetry/instrumentation-pg';
import type * as SdkNodeModule from '@opentelemetry/sdk-node';

import type * as SamplerModule from './sampler';

let sdk: SdkNodeModule.NodeSDK | undefined;

/** Probes and scrapes are not business traffic: a trace per health check would bury the real ones. */
const UNTRACED_PATHS = /^\/(health|metrics)(\/|\?|$)/;

/**
 * Starts the OpenTelemetry Node SDK for this process. It must run before `http`, `express` and `pg`
 * are loaded, so each service's `main.ts` imports its `instrumentation.ts` first.
 *
 * Everything the SDK offers is configured through the standard `OTEL_*` variables (exporter and
 * endpoint, sampler, resource attributes, batch processor, `OTEL_SDK_DISABLED`): OTLP is the
 * exporter by default, the local stack sets `OTEL_TRACES_EXPORTER=zipkin`. Only the defaults below
 * are ours, each overridable by its variable: the service name, and no OTel metrics or logs
 * pipeline (metrics are served by `/metrics` for Prometheus, logs are pino JSON on stdout). The
 * sampler is the one OTEL_TRACES_SAMPLER names, without transaction-control spans (sampler.ts).
 */
export function startTelemetry(serviceName: string): void {
  if (sdk || /^true$/i.test(process.env.OTEL_SDK_DISABLED?.trim() ?? '')) return;
  process.env.OTEL_SERVICE_NAME ||= serviceName;
  process.env.OTEL_METRICS_EXPORTER ||= 'none';
  process.env.OTEL_LOGS_EXPORTER ||= 'none';
  // Loaded here, not at the top: only a service process pays for the SDK, not the CLI or unit tests.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof SdkNodeModule;
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof HttpInstrumentationModule;
  const { ExpressInstrumentation, ExpressLayerType } =
    require('@opentelemetry/instrumentation-express') as typeof ExpressInstrumentationModule;
  const { PgInstrumentation } =
    require('@opentelemetry/instrumentation-pg') as typeof PgInstrumentationModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { WithoutTransactionControl, samplerFromEnv } = require('./sampler') as typeof SamplerModule;
  sdk = new NodeSDK({
    sampler: new WithoutTransactionControl(samplerFromEnv()),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) => UNTRACED_PATHS.test(request.url ?? ''),
        // Outgoing calls outside any trace (none today) are not worth a trace of their own.
        requireParentforOutgoingSpans: true,
      }),
      // Names the HTTP server span after the route (`POST /v1/events`); its layers are noise.
      new ExpressInstrumentation({
        ignoreLayersType: [
          ExpressLayerType.MIDDLEWARE,
          ExpressLayerType.ROUTER,
          ExpressLayerType.REQUEST_HANDLER,
        ],
      }),
      // Only queries made on behalf of a traced request or event: the relay's polling and the
      // health checks would otherwise start a trace every second.
      new PgInstrumentation({
        requireParentSpan: true,
        ignoreConnectSpans: true,
        enhancedDatabaseReporting: false,
      }),
    ],
  });
  sdk.start();
  // @nestjs/platform-express 12 is an ES module: its `import express` does not go through `require`,
  // where the SDK patches modules, so the server span would lose its route. Requiring the same
  // express first puts the patched module in the cache that the import then reuses.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(
    require.resolve('express', {
      paths: [dirname(require.resolve('@nestjs/platform-express/package.json'))],
    }),
  );
}

/**
 * Exports the spans still buffered; called last on shutdown, and bounded (an unreachable backend
 * must not eat the pod's grace period). A no-op when the SDK is not running.
 */
export async function shutdownTelemetry(timeoutMs = 3_000): Promise<void> {
  const running = sdk;
  sdk = undefined;
  if (!running) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    running.shutdown().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

/** True once the SDK runs in this process (it then owns the context manager and propagator). */
export function telemetryStarted(): boolean {
  return sdk !== undefined;
}
