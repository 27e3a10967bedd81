// One business event is one trace: a deal_won posted once is followed through ingest, the outbox,
// the relay, Kafka and the four consumers (their downstream calls and result events), read back
// from the local tracing backend's API (Zipkin, started by deploy/stack.sh).
import { Topic } from '@switchboard/contracts';
import { eventually, sampleDeal, type LocalCluster } from '@switchboard/testing';

import { ingestClient, testCluster, testEnv } from '../support/cluster';
import { uniqueName } from '../support/stack';

// Six processes start on a machine that may be busy with other suites.
jest.setTimeout(300_000);

/** A span as Zipkin's v2 API returns it. */
interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  localEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
}

const ZIPKIN_URL = (testEnv().OTEL_EXPORTER_ZIPKIN_ENDPOINT ?? 'http://127.0.0.1:9411/api/v2/spans').replace(
  /\/api\/v2\/spans$/,
  '',
);

/** Each consumer, the downstream system it calls and the result event it publishes. */
const CONSUMERS = [
  { service: 'erp-orders', downstream: 'erp sales-orders', result: Topic.sales_order_created },
  { service: 'finance-invoicing', downstream: 'finance invoices', result: Topic.invoice_created },
  {
    service: 'support-onboarding',
    downstream: 'support tickets',
    result: Topic.onboarding_ticket_created,
  },
  {
    service: 'marketing-segments',
    downstream: 'marketing segment-moves',
    result: Topic.segment_changed,
  },
] as const;

async function fetchTrace(traceId: string): Promise<ZipkinSpan[]> {
  const response = await fetch(`${ZIPKIN_URL}/api/v2/trace/${traceId}`);
  if (!response.ok) throw new Error(`Zipkin /api/v2/trace/${traceId} -> ${response.status}`);
  return (await response.json()) as ZipkinSpan[];
}

describe('tracing: one deal_won is one trace across every service', () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    const health = await fetch(`${ZIPKIN_URL}/health`).catch(() => null);
    if (!health?.ok)
      throw new Error(`Zipkin does not answer on ${ZIPKIN_URL}: run 'bash deploy/stack.sh up'`);
    cluster = testCluster('tracing');
    await cluster.provision();
    await cluster.start();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('shows ingest, the outbox, the relay and each consumer with its downstream call and result event', async () => {
    const dealId = uniqueName('D-TRACE');
    const posted = await ingestClient(cluster).post('crm', {
      id: `crm-evt-${dealId}`,
      type: 'deal_won',
      data: sampleDeal({ dealId }),
    });
    expect(posted.status).toBe(202);
    expect(posted.traceId).toMatch(/^[0-9a-f]{32}$/);
    const traceId = posted.traceId!;

    const named = (spans: ZipkinSpan[], service: string, name: string) =>
      spans.filter((span) => span.localEndpoint?.serviceName === service && span.name === name);

    // Spans arrive from six processes in batches: wait until every consumer's result was published.
    const spans = await eventually(
      async () => {
        const trace = await fetchTrace(traceId);
        for (const { service, result } of CONSUMERS) {
          if (named(trace, service, `publish ${result}`).length === 0)
            throw new Error(`no publish span of ${service} yet`);
        }
        return trace;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );

    // One trace, and no orphans: every parent is in it, and there is exactly one root.
    expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([traceId]));
    const ids = new Set(spans.map((span) => span.id));
    expect(spans.filter((span) => span.parentId && !ids.has(span.parentId))).toEqual([]);
    const roots = spans.filter((span) => !span.parentId);
    expect(roots.map((span) => [span.localEndpoint?.serviceName, span.kind, span.name])).toEqual([
      ['ingest', 'SERVER', 'post /v1/events'],
    ]);
    const byId = new Map(spans.map((span) => [span.id, span]));
    const parentOf = (span: ZipkinSpan) => (span.parentId ? byId.get(span.parentId) : undefined);

    // Ingest: the request, the outbox write (a `create` span beside the SQL) and the relay's publish.
    const request = roots[0];
    expect(request.tags).toMatchObject({ 'switchboard.deal.id': dealId, 'http.response.status_code': '202' });
    const [created] = named(spans, 'ingest', `create ${Topic.deal_won}`);
    expect(created).toBeDefined();
    expect(created.kind).toBe('PRODUCER');
    expect(parentOf(created)).toBe(request);
    expect(created.tags).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'create',
      'messaging.destination.name': Topic.deal_won,
      'messaging.message.id': (posted.body as { id: string }).id,
      'switchboard.deal.id': dealId,
    });
    const outboxInsert = spans.find(
      (span) =>
        span.localEndpoint?.serviceName === 'ingest' &&
        span.kind === 'CLIENT' &&
        span.tags?.['db.system.name'] === 'postgresql' &&
        /INSERT INTO "ingest"\.outbox_message/.test(span.tags?.['db.query.text'] ?? ''),
    );
    expect(outboxInsert).toBeDefined();
    const [published] = named(spans, 'ingest', `publish ${Topic.deal_won}`);
    expect(published).toBeDefined();
    expect(published.kind).toBe('PRODUCER');
    expect(parentOf(published)).toBe(created);
    expect(published.tags).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': Topic.deal_won,
    });

    // Each consumer: processing (child of the relay's publish), its downstream call, its result event.
    for (const { service, downstream, result } of CONSUMERS) {
      // A chunk retried (a transient failure, or the savepoint pass after a rejected neighbour)
      // processes the event again: each attempt is its own span, the applied one has the results.
      const processed = named(spans, service, `process ${Topic.deal_won}`);
      expect(processed.length).toBeGreaterThanOrEqual(1);
      for (const attempt of processed) expect(parentOf(attempt)).toBe(published);
      const [resultCreated] = named(spans, service, `create ${result}`);
      expect(resultCreated).toBeDefined();
      const processing = parentOf(resultCreated)!;
      expect(processed).toContain(processing);
      expect(processing.kind).toBe('CONSUMER');
      expect(processing.tags).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': Topic.deal_won,
        'messaging.consumer.group.name': expect.stringContaining(service),
        'messaging.message.id': (posted.body as { id: string }).id,
        'switchboard.deal.id': dealId,
      });
      expect(processing.tags?.['messaging.destination.partition.id']).toMatch(/^\d+$/);
      expect(processing.tags?.['messaging.kafka.offset']).toMatch(/^\d+$/);

      const calls = named(spans, service, downstream);
      expect(calls.map((call) => [call.kind, parentOf(call)?.name])).toContainEqual([
        'CLIENT',
        `process ${Topic.deal_won}`,
      ]);
      expect(calls.filter((call) => parentOf(call) === processing)).toHaveLength(1);

      expect(resultCreated.tags).toMatchObject({ 'switchboard.deal.id': dealId });
      const [resultPublished] = named(spans, service, `publish ${result}`);
      expect(parentOf(resultPublished)).toBe(resultCreated);

      // Its SQL (the effect, the outbox row) is in the trace too, under the processing span.
      const sql = spans.filter(
        (span) =>
          span.localEndpoint?.serviceName === service && span.tags?.['db.system.name'] === 'postgresql',
      );
      expect(sql.length).toBeGreaterThan(0);
    }
    // Transaction control (BEGIN, COMMIT, SAVEPOINT) is not traced: it costs a span per statement
    // and says nothing the statements do not.
    expect(
      spans.filter((span) => /^pg\.query:(begin|start|commit|savepoint|release|rollback)\b/i.test(span.name)),
    ).toEqual([]);

    // The trace can be found by the deal id.
    const search = await fetch(
      `${ZIPKIN_URL}/api/v2/traces?serviceName=ingest&annotationQuery=${encodeURIComponent(
        `switchboard.deal.id=${dealId}`,
      )}&lookback=600000&limit=10`,
    );
    const found = (await search.json()) as ZipkinSpan[][];
    expect(found.map((trace) => trace[0]?.traceId)).toEqual([traceId]);
  });
});
