import { randomBytes } from 'node:crypto';

import { context, trace, type Context, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator, suppressTracing } from '@opentelemetry/core';

import { telemetryStarted } from './sdk';

/**
 * W3C trace context is carried explicitly (outbox row, Kafka headers, CloudEvent `traceparent`), so
 * one business event stays one trace across HTTP, the outbox, Kafka and every consumer whether or
 * not an SDK is registered in the process.
 */
const propagator = new W3CTraceContextPropagator();

const headerGetter = {
  keys: (carrier: Record<string, string | undefined>) => Object.keys(carrier),
  get: (carrier: Record<string, string | undefined>, key: string) => carrier[key],
};

export const tracer: Tracer = trace.getTracer('switchboard');

/**
 * Makes `context.with` carry the active trace across awaits even when no SDK is registered, so
 * log lines and result events of a handler know the trace they belong to. Called once at start-up.
 */
export function enableContextPropagation(): void {
  // The SDK registers the same AsyncLocalStorage manager itself.
  if (telemetryStarted()) return;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

/** The context a message's headers (or a CloudEvent's attributes) continue. */
export function contextFromHeaders(headers: { traceparent?: string; tracestate?: string }): Context {
  return propagator.extract(context.active(), headers, headerGetter);
}

/** `traceparent`/`tracestate` of the active span, to store beside an outgoing message. */
export function traceHeaders(active: Context = context.active()): {
  traceparent?: string;
  tracestate?: string;
} {
  const carrier: Record<string, string> = {};
  propagator.inject(active, carrier, {
    set: (target: Record<string, string>, key: string, value: string) => {
      target[key] = value;
    },
  });
  return carrier;
}

/**
 * Runs `work` without spans: for a transport's own bookkeeping statements, whose time its enclosing
 * span already shows and whose span per statement would cost more than it tells.
 */
export function untraced<T>(work: () => T): T {
  return context.with(suppressTracing(context.active()), work);
}

/** Trace and span id of the active span, for log correlation. */
export function currentTraceIds(): { trace_id: string; span_id: string } | undefined {
  const spanContext = trace.getSpanContext(context.active());
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/**
 * The request's trace context, or a new root one when the caller sent none and no SDK created a
 * span: every event then carries a trace id that all its consumers' logs share.
 */
export function traceHeadersOrNew(incoming: { traceparent?: string; tracestate?: string }): {
  traceparent: string;
  tracestate?: string;
} {
  const fromActive = traceHeaders();
  if (fromActive.traceparent)
    return { traceparent: fromActive.traceparent, tracestate: fromActive.tracestate };
  const fromRequest = traceHeaders(contextFromHeaders(incoming));
  if (fromRequest.traceparent)
    return { traceparent: fromRequest.traceparent, tracestate: fromRequest.tracestate };
  return { traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01` };
}
