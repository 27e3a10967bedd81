import { SpanKind, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';

import {
  businessAttributes,
  startCreateSpan,
  startProcessSpan,
  startPublishSpan,
  startReceiveSpan,
} from './messaging';
import { untraced } from './trace-context';

const TOPIC = 'switchboard.deal_won.v1';
const ORIGIN = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('messaging spans', () => {
  const exporter = new InMemorySpanExporter();

  beforeAll(() => {
    trace.setGlobalTracerProvider(
      new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
    );
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  const finished = (name: string): ReadableSpan => {
    const span = exporter.getFinishedSpans().find((candidate) => candidate.name === name);
    if (!span) throw new Error(`no span ${name}`);
    return span;
  };

  it('chains create -> publish -> process through the headers each hop writes', () => {
    const created = startCreateSpan(
      { id: 'evt-1', topic: TOPIC, key: 'D-1', headers: { traceparent: ORIGIN } },
      businessAttributes({ dealId: 'D-1', account: { crmAccountId: 'ACC-1' } }),
    );
    created.span.end();
    const published = startPublishSpan({ id: 'evt-1', topic: TOPIC, key: 'D-1', headers: created.headers });
    published.span.end();
    const processed = startProcessSpan(
      { topic: TOPIC, partition: 3, offset: '42', headers: published.headers },
      { 'messaging.consumer.group.name': 'switchboard.erp-orders', 'messaging.message.id': 'evt-1' },
    );
    processed.span.end();

    const create = finished(`create ${TOPIC}`);
    const publish = finished(`publish ${TOPIC}`);
    const process = finished(`process ${TOPIC}`);
    const traceIds = new Set([create, publish, process].map((span) => span.spanContext().traceId));
    expect(traceIds).toEqual(new Set(['0af7651916cd43dd8448eb211c80319c']));
    expect(create.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(publish.parentSpanContext?.spanId).toBe(create.spanContext().spanId);
    expect(process.parentSpanContext?.spanId).toBe(publish.spanContext().spanId);
    expect([create.kind, publish.kind, process.kind]).toEqual([
      SpanKind.PRODUCER,
      SpanKind.PRODUCER,
      SpanKind.CONSUMER,
    ]);
    expect(create.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'create',
      'messaging.destination.name': TOPIC,
      'messaging.message.id': 'evt-1',
      'switchboard.deal.id': 'D-1',
      'switchboard.account.id': 'ACC-1',
    });
    expect(publish.attributes).toMatchObject({ 'messaging.operation.type': 'send' });
    expect(process.attributes).toMatchObject({
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': 'switchboard.erp-orders',
      'messaging.destination.partition.id': '3',
      'messaging.kafka.offset': 42,
    });
  });

  it('gives a batch its own trace, and links each message to it', () => {
    const received = startReceiveSpan({ topic: TOPIC, partitions: [0], consumerGroup: 'g', messageCount: 3 });
    const processed = startProcessSpan(
      { topic: TOPIC, partition: 0, offset: '1', headers: { traceparent: ORIGIN } },
      { 'messaging.consumer.group.name': 'g', 'messaging.message.id': 'evt-1' },
      received.span,
    );
    processed.span.end();
    received.span.end();

    const receive = finished(`receive ${TOPIC}`);
    expect(receive.parentSpanContext).toBeUndefined();
    expect(receive.spanContext().traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
    // One direction only: a link per message on the batch would cost a parse and an export each.
    expect(receive.links).toEqual([]);
    expect(receive.attributes['messaging.batch.message_count']).toBe(3);
    const process = finished(`process ${TOPIC}`);
    expect(process.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(process.links.map((link) => link.context.spanId)).toEqual([receive.spanContext().spanId]);
  });

  it('records no span inside untraced work, across its awaits, and records again after it', async () => {
    const tracer = trace.getTracer('test');
    await untraced(async () => {
      await Promise.resolve();
      tracer.startSpan('bookkeeping').end();
    });
    tracer.startSpan('business').end();
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['business']);
  });

  it('reads the business ids of a payload', () => {
    expect(businessAttributes({ customerId: 'c-1', dealId: 'D-9' })).toEqual({
      'switchboard.customer.id': 'c-1',
      'switchboard.deal.id': 'D-9',
    });
    expect(businessAttributes(null)).toEqual({});
  });
});
