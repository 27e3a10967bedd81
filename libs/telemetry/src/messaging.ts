import { SpanKind, context, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

import { contextFromHeaders, traceHeaders, tracer } from './trace-context';

/**
 * Span helpers for Kafka messaging, after the OpenTelemetry messaging semantic conventions:
 * `create <topic>` when a message is written to the outbox, `publish <topic>` when the relay sends
 * it, `receive <topic>` for a fetched batch and `process <topic>` per message, parented by the
 * context the message carries and linked to its batch. Each returns the span and the context whose
 * `traceparent` goes with the message to the next hop.
 */
export interface MessageSpan {
  span: Span;
  context: Context;
  /** `traceparent`/`tracestate` of this span, to put in the message's headers (formatted when read). */
  readonly headers: { traceparent?: string; tracestate?: string };
}

type Carrier = { traceparent?: string; tracestate?: string };

/** Most spans never pass their context on (a consumer's `process` span without a result event). */
function withLazyHeaders(span: Span, active: Context): MessageSpan {
  return {
    span,
    context: active,
    get headers() {
      return traceHeaders(active);
    },
  };
}

function messageSpan(name: string, kind: SpanKind, attributes: Attributes, parent: Context): MessageSpan {
  const span = tracer.startSpan(name, { kind, attributes }, parent);
  return withLazyHeaders(span, trace.setSpan(parent, span));
}

function kafka(operation: 'create' | 'send' | 'receive' | 'process', topic: string): Attributes {
  return {
    'messaging.system': 'kafka',
    'messaging.operation.type': operation,
    'messaging.operation.name': operation === 'send' ? 'publish' : operation,
    'messaging.destination.name': topic,
  };
}

/** A message is created (written to the outbox) in the trace its headers carry. */
export function startCreateSpan(
  message: { id: string; topic: string; key: string; headers: Carrier },
  attributes: Attributes = {},
): MessageSpan {
  return messageSpan(
    `create ${message.topic}`,
    SpanKind.PRODUCER,
    {
      ...kafka('create', message.topic),
      'messaging.message.id': message.id,
      'messaging.kafka.message.key': message.key,
      ...attributes,
    },
    contextFromHeaders(message.headers),
  );
}

/** The relay sends one message to Kafka: a child of its `create` span. */
export function startPublishSpan(message: {
  id?: string;
  topic: string;
  key: string;
  headers: Carrier;
}): MessageSpan {
  return messageSpan(
    `publish ${message.topic}`,
    SpanKind.PRODUCER,
    {
      ...kafka('send', message.topic),
      'messaging.kafka.message.key': message.key,
      ...(message.id ? { 'messaging.message.id': message.id } : {}),
    },
    contextFromHeaders(message.headers),
  );
}

/**
 * A fetched batch: a root span of its own, so the batch's transaction is one span while each message
 * keeps its own trace. The messages' `process` spans link to it; it does not link back to each of
 * them, which would parse every message's trace context a second time and export a link per message
 * with every batch (hundreds under a backlog) for a relation the process spans already record.
 */
export function startReceiveSpan(batch: {
  topic: string;
  partitions: number[];
  consumerGroup: string;
  messageCount: number;
}): MessageSpan {
  const span = tracer.startSpan(
    `receive ${batch.topic}`,
    {
      kind: SpanKind.CONSUMER,
      root: true,
      attributes: {
        ...kafka('receive', batch.topic),
        'messaging.consumer.group.name': batch.consumerGroup,
        // The conventions name one partition; a batch of several names none.
        ...(batch.partitions.length === 1
          ? { 'messaging.destination.partition.id': String(batch.partitions[0]) }
          : {}),
        'messaging.batch.message_count': batch.messageCount,
      },
    },
    context.active(),
  );
  return withLazyHeaders(span, trace.setSpan(context.active(), span));
}

/** One message processed: a child of the context it carries, linked to its batch's span. */
export function startProcessSpan(
  message: { topic: string; partition: number; offset: string; headers: Carrier },
  attributes: Attributes & { 'messaging.consumer.group.name': string; 'messaging.message.id': string },
  batch?: Span,
): MessageSpan {
  const parent = contextFromHeaders(message.headers);
  const span = tracer.startSpan(
    `process ${message.topic}`,
    {
      kind: SpanKind.CONSUMER,
      links: batch ? [{ context: batch.spanContext() }] : [],
      attributes: {
        ...kafka('process', message.topic),
        'messaging.destination.partition.id': String(message.partition),
        'messaging.kafka.offset': Number(message.offset),
        ...attributes,
      },
    },
    parent,
  );
  return withLazyHeaders(span, trace.setSpan(parent, span));
}

/**
 * The business ids of an event's payload as span attributes, so a trace can be found by deal or
 * customer (Zipkin: `switchboard.deal.id=D-1001`).
 */
export function businessAttributes(data: unknown): Attributes {
  if (typeof data !== 'object' || data === null) return {};
  const record = data as Record<string, unknown>;
  const attributes: Attributes = {};
  if (typeof record.dealId === 'string') attributes['switchboard.deal.id'] = record.dealId;
  if (typeof record.customerId === 'string') attributes['switchboard.customer.id'] = record.customerId;
  const account = record.account as Record<string, unknown> | undefined;
  if (typeof account?.crmAccountId === 'string') attributes['switchboard.account.id'] = account.crmAccountId;
  if (typeof account?.erpCustomerNumber === 'string')
    attributes['switchboard.customer.number'] = account.erpCustomerNumber;
  return attributes;
}
