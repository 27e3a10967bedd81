// Acceptance of the metrics half of issue 5: after a run of N deals (through ingest, signed) and M
// poison messages, /metrics of every service holds every metric of the request's monitoring
// table, with values equal to what the run did.
//
// The broker is shared (other suites publish on the same topics while this one runs), so the
// consumers of this run may also handle other suites' events. Exact expectations therefore come
// from two sources: what this suite alone drives (ingest's HTTP requests: exactly N published),
// and the database of this run's processes (the inbox rows they wrote since they started: every
// event they applied or dead-lettered), which must equal their counters; the N deals and M poison
// messages of this run must be among them.
import { eventually, sampleDeal, type ServiceName } from '@switchboard/testing';
import { topicOf } from '@switchboard/contracts';
import { consumerGroupOf } from '@switchboard/platform';

import { ingestClient } from '../support/cluster';
import { TestDatabase } from '../support/db';
import { ROOT } from '../support/cluster';
import {
  dashboardExpressions,
  has,
  metricsIn,
  metricTypes,
  scrape,
  sum,
  type Sample,
} from '../support/metrics';
import {
  ALL_NAMES,
  CONSUMERS,
  publishPoison,
  startObservedCluster,
  type ObservedRun,
} from '../support/observability';
import { uniqueName } from '../support/stack';
import { ALL_SERVICES } from '../../scripts/provision-all';

jest.setTimeout(400_000);

const DEALS = 5;
/** `operation`: the deal's effect; `alsoSends`: other calls the service makes to the same connector. */
const FANOUT = {
  'erp-orders': {
    schema: 'erp_orders',
    connector: 'erp',
    operation: 'sales-orders',
    effect: 'sales_order',
    // customer_synced for the ERP (the won deals' accounts, from customer-sync) updates the customer.
    alsoSends: ['customers'],
  },
  'finance-invoicing': {
    schema: 'finance_invoicing',
    connector: 'finance',
    operation: 'invoices',
    effect: 'invoice',
  },
  'support-onboarding': {
    schema: 'support_onboarding',
    connector: 'support',
    operation: 'tickets',
    effect: 'onboarding_ticket',
  },
  'marketing-segments': {
    schema: 'marketing_segments',
    connector: 'marketing',
    operation: 'segment-moves',
    effect: 'segment_membership',
  },
} as const;
type Fanout = keyof typeof FANOUT;
const FANOUT_NAMES = Object.keys(FANOUT) as Fanout[];
const DEAL_CONSUMERS: ServiceName[] = [...FANOUT_NAMES, 'customer-sync'];
/** Each service's database schema, from its definition. */
const SCHEMA: Record<string, string> = Object.fromEntries(
  ALL_SERVICES.map((definition) => [definition.name, definition.schema]),
);

interface InboxTruth {
  applied: Record<string, number>;
  deadLettered: number;
}

describe('Prometheus metrics of every service after a run', () => {
  let run: ObservedRun;
  let db: TestDatabase;
  let poison = 0;
  let startedAt: Date;
  const runId = uniqueName('M');
  const eventIds: string[] = [];
  const group = (name: string) =>
    consumerGroupOf(
      CONSUMERS.find((d) => d.name === name)!,
      run.groupPrefix,
    );

  /** What a consumer process of this run did, from its own inbox (rows written since it started). */
  const inbox = async (name: string): Promise<InboxTruth> => {
    const rows = await db.rows<{ type: string | null; status: string; n: number }>(
      `SELECT event_type AS type, status, count(*)::int AS n FROM ${SCHEMA[name]}.inbox_message
       WHERE processed_at >= $1 GROUP BY 1, 2`,
      [startedAt],
    );
    const applied: Record<string, number> = {};
    for (const row of rows.filter((r) => r.status === 'applied')) applied[row.type ?? 'unknown'] = row.n;
    const deadLettered = rows.filter((r) => r.status === 'dead_lettered').reduce((t, r) => t + r.n, 0);
    return { applied, deadLettered };
  };

  const counters = (samples: Sample[], name: string): InboxTruth => {
    const applied: Record<string, number> = {};
    for (const sample of samples) {
      if (sample.name !== 'switchboard_consumer_events_total' || sample.labels.outcome !== 'applied')
        continue;
      if (sample.labels.group !== group(name) || sample.value === 0) continue;
      applied[sample.labels.type] = (applied[sample.labels.type] ?? 0) + sample.value;
    }
    return {
      applied,
      deadLettered: sum(samples, 'switchboard_consumer_events_total', {
        group: group(name),
        outcome: 'dead_lettered',
      }),
    };
  };

  beforeAll(async () => {
    db = new TestDatabase();
    startedAt = new Date((await db.rows<{ now: Date }>('SELECT now() AS now'))[0].now);
    run = await startObservedCluster('metrics');
    const client = ingestClient(run.cluster);
    for (let i = 0; i < DEALS; i++) {
      const response = await client.post('crm', {
        id: `${runId}-${i}`,
        type: 'deal_won',
        data: sampleDeal({ dealId: `${runId}-${i}` }),
      });
      expect(response.status).toBe(202);
      eventIds.push((response.body as { id: string }).id);
    }
    poison = await publishPoison(run.env, `${runId}-poison`);
    // This run's deals and poison are handled by every consumer of deal_won.
    await eventually(
      async () => {
        // Every consumer behind is named, with what its inbox holds of this run, so a slow one is seen.
        const behind: string[] = [];
        for (const name of DEAL_CONSUMERS) {
          const handled = await db.count(
            `SELECT count(*) FROM ${SCHEMA[name]}.inbox_message WHERE id = ANY($1::text[]) AND status = 'applied'`,
            [eventIds],
          );
          const dead = await db.count(
            `SELECT count(*) FROM ${SCHEMA[name]}.inbox_message
             WHERE status = 'dead_lettered' AND processed_at >= $1 AND topic = $2`,
            [startedAt, topicOf('deal_won')],
          );
          if (handled < DEALS || dead < poison)
            behind.push(`${name}: ${handled}/${DEALS} deals applied, ${dead}/${poison} poison dead-lettered`);
        }
        if (behind.length > 0) throw new Error(behind.join('; '));
      },
      { timeoutMs: 240_000, intervalMs: 1_000 },
    );
  });

  afterAll(async () => {
    await run?.stop();
    await db?.close();
  });

  it('labels every series with the service that exposed it and names it by the conventions', async () => {
    for (const name of ALL_NAMES) {
      const { text, samples } = await scrape(run.url(name));
      expect(samples.filter((sample) => sample.labels.service !== name)).toEqual([]);
      for (const [metric, kind] of metricTypes(text)) {
        if (!metric.startsWith('switchboard_') && !metric.startsWith('customer_sync_')) continue;
        if (kind === 'counter') expect(metric).toMatch(/_total$/);
        if (kind === 'histogram') expect(metric).toMatch(/_seconds$/);
        expect(metric).toMatch(/^[a-z_]+$/);
      }
    }
  });

  it('publishes exactly the deals ingest accepted', async () => {
    const { samples } = await scrape(run.url('ingest'));
    expect(sum(samples, 'switchboard_outbox_published_total', { topic: topicOf('deal_won') })).toBe(DEALS);
  });

  it('counts the records each consumer applied and dead-lettered, per event type, as its inbox holds them', async () => {
    for (const name of DEAL_CONSUMERS) {
      await eventually(
        async () => {
          const { samples } = await scrape(run.url(name));
          const truth = await inbox(name);
          expect({ name, ...counters(samples, name) }).toEqual({ name, ...truth });
          // Every dead letter is counted by class and published to the service's DLQ.
          expect(sum(samples, 'switchboard_consumer_dead_letters_total', { group: group(name) })).toBe(
            truth.deadLettered,
          );
          expect(truth.applied.deal_won).toBeGreaterThanOrEqual(DEALS);
          expect(truth.deadLettered).toBeGreaterThanOrEqual(poison);
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
    }
  });

  it('classifies the poison: not JSON and a contract breach are validation dead letters of no type', async () => {
    for (const name of FANOUT_NAMES) {
      const { samples } = await scrape(run.url(name));
      // Neither decodes to an event, so neither has a type.
      expect(
        sum(samples, 'switchboard_consumer_dead_letters_total', {
          type: 'unknown',
          error_class: 'validation',
        }),
      ).toBeGreaterThanOrEqual(poison);
    }
  });

  it('measures the end-to-end latency of every applied event in a histogram', async () => {
    for (const name of FANOUT_NAMES) {
      await eventually(
        async () => {
          const { samples } = await scrape(run.url(name));
          const applied = (await inbox(name)).applied.deal_won ?? 0;
          const count = sum(samples, 'switchboard_event_end_to_end_latency_seconds_count', {
            type: 'deal_won',
          });
          const total = sum(samples, 'switchboard_event_end_to_end_latency_seconds_sum', {
            type: 'deal_won',
          });
          expect({ name, count }).toEqual({ name, count: applied });
          expect(
            sum(samples, 'switchboard_event_end_to_end_latency_seconds_bucket', {
              type: 'deal_won',
              le: '+Inf',
            }),
          ).toBe(applied);
          expect(total).toBeGreaterThan(0);
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
    }
  });

  it('counts downstream API calls per connector and status class, as the downstream received them', async () => {
    for (const name of FANOUT_NAMES) {
      const fanout: { connector: string; operation: string; alsoSends?: readonly string[] } = FANOUT[name];
      const { connector, operation } = fanout;
      const operations = [operation, ...(fanout.alsoSends ?? [])];
      await eventually(
        async () => {
          const { samples } = await scrape(run.url(name));
          const received = run.downstream.requests.filter((request) =>
            operations.includes(request.operation),
          );
          expect({
            name,
            ok: sum(samples, 'switchboard_connector_requests_total', { connector, outcome: '2xx' }),
            all: sum(samples, 'switchboard_connector_requests_total', { connector }),
          }).toEqual({ name, ok: received.filter((r) => r.status === 201).length, all: received.length });
          expect(received.filter((request) => request.operation === operation).length).toBeGreaterThanOrEqual(
            DEALS,
          );
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
    }
  });

  it('reports the outbox backlog, drained after the run, and what each outbox published', async () => {
    for (const name of ALL_NAMES) {
      await eventually(
        async () => {
          const { samples } = await scrape(run.url(name));
          expect(has(samples, 'switchboard_outbox_pending_messages')).toBe(true);
          expect(has(samples, 'switchboard_outbox_oldest_pending_age_seconds')).toBe(true);
          const pending = await db.count(
            `SELECT count(*) FROM ${SCHEMA[name]}.outbox_message WHERE published_at IS NULL`,
          );
          expect({ name, pending: sum(samples, 'switchboard_outbox_pending_messages') }).toEqual({
            name,
            pending,
          });
        },
        { timeoutMs: 60_000, intervalMs: 1_000 },
      );
    }
    for (const name of DEAL_CONSUMERS) {
      await eventually(
        async () => {
          const { samples } = await scrape(run.url(name));
          const dlq = sum(samples, 'switchboard_outbox_published_total', {
            topic: `switchboard.dlq.${name}`,
          });
          expect({ name, dlq }).toEqual({ name, dlq: (await inbox(name)).deadLettered });
        },
        { timeoutMs: 60_000, intervalMs: 1_000 },
      );
    }
  });

  it('reports the consumer lag of every consumer group and topic', async () => {
    for (const definition of CONSUMERS) {
      const { samples } = await scrape(run.url(definition.name as never));
      for (const type of definition.consumes) {
        expect(
          has(samples, 'switchboard_consumer_lag_messages', {
            group: group(definition.name),
            topic: topicOf(type),
          }),
        ).toBe(true);
      }
      expect(sum(samples, 'switchboard_consumer_lag_messages')).toBeGreaterThanOrEqual(0);
    }
    // The fan-out consumers catch up with deal_won once the run's traffic is handled.
    for (const name of FANOUT_NAMES) {
      await eventually(
        async () => {
          const { samples } = await scrape(run.url(name));
          expect({
            name,
            lag: sum(samples, 'switchboard_consumer_lag_messages', { topic: topicOf('deal_won') }),
          }).toEqual({ name, lag: 0 });
        },
        { timeoutMs: 60_000, intervalMs: 1_000 },
      );
    }
  });

  it('exposes conflicts and the review-queue depth of customer-sync', async () => {
    const { samples } = await scrape(run.url('customer-sync'));
    for (const outcome of ['created', 'updated', 'unchanged', 'conflicts'])
      expect(has(samples, 'customer_sync_outcomes_total', { outcome })).toBe(true);
    expect(sum(samples, 'customer_sync_outcomes_total')).toBeGreaterThan(0);
    const open = await db.rows<{ kind: string; open: number }>(
      `SELECT kind, count(*)::int AS open FROM customer_sync.review_item WHERE status = 'open' GROUP BY kind`,
    );
    for (const kind of ['conflict', 'ambiguous_match']) {
      expect({ kind, depth: sum(samples, 'switchboard_customer_sync_review_queue_items', { kind }) }).toEqual(
        {
          kind,
          depth: open.find((row) => row.kind === kind)?.open ?? 0,
        },
      );
    }
  });

  it('serves every metric the dashboard queries', async () => {
    const served = new Set<string>();
    for (const name of ALL_NAMES) {
      for (const metric of metricTypes((await scrape(run.url(name))).text).keys()) served.add(metric);
    }
    const queried = new Set(dashboardExpressions(ROOT).flatMap(metricsIn));
    expect([...queried].filter((metric) => !served.has(metric))).toEqual([]);
  });

  it('serves process metrics everywhere and the request histogram ingest alerts on', async () => {
    for (const name of ALL_NAMES) {
      const types = metricTypes((await scrape(run.url(name))).text);
      for (const metric of [
        'process_cpu_user_seconds_total',
        'process_start_time_seconds',
        'nodejs_eventloop_lag_p99_seconds',
      ])
        expect({ name, metric, served: types.has(metric) }).toEqual({ name, metric, served: true });
    }
    const { samples } = await scrape(run.url('ingest'));
    // The deals of this run, accepted, by route template (the alerts' selector).
    expect(
      sum(samples, 'switchboard_http_request_duration_seconds_count', {
        route: '/v1/events',
        method: 'POST',
        status_code: '202',
      }),
    ).toBeGreaterThanOrEqual(DEALS);
  });
});
