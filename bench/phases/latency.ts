import { Topic } from '@switchboard/contracts';
import { IngestClient, sampleDeal, type ServiceProcess } from '@switchboard/testing';

import { Bench, DEAL_WON_CONSUMERS, SCHEMA_OF, log, percentile, sleep } from '../support/bench-context';
import {
  costPerEvent,
  formatCpu,
  formatPerEvent,
  formatWritesPerEvent,
  jitCompilerTicks,
  type CpuReport,
} from '../support/cpu';
import { endOffsets, positionGroup } from '../support/kafka-groups';

export interface Distribution {
  name: string;
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LatencyResult {
  rate: number;
  seconds: number;
  sent: number;
  accepted: number;
  /** Requests that left more than 20 ms after their slot (the load generator could not keep the rate). */
  late: number;
  /** Slots not sent because 256 requests were already outstanding (ingest could not keep up). */
  skipped: number;
  complete: number;
  /** ingest commit (received_at) -> the last of the four effects, in ms. */
  fourthEffect: Distribution;
  /** The hops and each effect on its own, in ms. */
  breakdown: Distribution[];
  responseMs: { p50: number; p99: number };
  cpu: CpuReport;
  cpuMsPerEvent: Record<string, number>;
  /** Write system calls per deal of each process group: its round trips (PostgreSQL's: files only). */
  writesPerEvent: Record<string, number>;
  database: {
    commitsPerDeal: number;
    rowsInsertedPerDeal: number;
    rowsUpdatedPerDeal: number;
  };
}

interface DatabaseStats {
  commits: number;
  inserted: number;
  updated: number;
}

async function databaseStats(bench: Bench): Promise<DatabaseStats> {
  const [row] = await bench.query<Record<keyof DatabaseStats, string>>(
    `SELECT xact_commit AS commits, tup_inserted AS inserted, tup_updated AS updated
     FROM pg_stat_database WHERE datname = current_database()`,
  );
  return {
    commits: Number(row?.commits ?? 0),
    inserted: Number(row?.inserted ?? 0),
    updated: Number(row?.updated ?? 0),
  };
}

const MAX_IN_FLIGHT = 256;

// Everything joins on the deal id: source_event_id is 'bench-' || deal id.
const DEALS_SQL = `
  WITH d AS (
    SELECT r.id AS event_id, r.received_at, substr(r.source_event_id, 7) AS deal_id
    FROM ingest.received_event r WHERE r.source_event_id LIKE $1
  )`;

const ms = (expression: string) => `extract(epoch FROM (${expression})) * 1000`;

const DISTRIBUTIONS_SQL = `${DEALS_SQL},
  j AS (
    SELECT d.received_at, o.published_at,
           so.created_at AS erp, inv.issued_at AS fin, t.created_at AS sup, sm.valid_from AS mkt,
           ie.processed_at AS erp_in, ifi.processed_at AS fin_in, isu.processed_at AS sup_in, imk.processed_at AS mkt_in
    FROM d
    LEFT JOIN ingest.outbox_message o ON o.id = d.event_id
    LEFT JOIN erp_orders.sales_order so ON so.deal_id = d.deal_id
    LEFT JOIN finance_invoicing.invoice inv ON inv.deal_id = d.deal_id
    LEFT JOIN support_onboarding.onboarding_ticket t ON t.deal_id = d.deal_id
    LEFT JOIN marketing_segments.segment_membership sm ON sm.deal_id = d.deal_id
    LEFT JOIN erp_orders.inbox_message ie ON ie.id = d.event_id::text
    LEFT JOIN finance_invoicing.inbox_message ifi ON ifi.id = d.event_id::text
    LEFT JOIN support_onboarding.inbox_message isu ON isu.id = d.event_id::text
    LEFT JOIN marketing_segments.inbox_message imk ON imk.id = d.event_id::text
  ),
  v AS (
    SELECT 0 AS ord, 'ingest commit -> 4th effect' AS name, ${ms('greatest(erp, fin, sup, mkt) - received_at')} AS v
      FROM j WHERE erp IS NOT NULL AND fin IS NOT NULL AND sup IS NOT NULL AND mkt IS NOT NULL
    UNION ALL SELECT 1, 'ingest commit -> relay published (Kafka acked)', ${ms('published_at - received_at')} FROM j
    UNION ALL SELECT 2, 'relay published -> erp-orders inbox tx', ${ms('erp_in - published_at')} FROM j
    UNION ALL SELECT 3, 'relay published -> finance-invoicing inbox tx', ${ms('fin_in - published_at')} FROM j
    UNION ALL SELECT 4, 'relay published -> support-onboarding inbox tx', ${ms('sup_in - published_at')} FROM j
    UNION ALL SELECT 5, 'relay published -> marketing-segments inbox tx', ${ms('mkt_in - published_at')} FROM j
    UNION ALL SELECT 6, 'ingest commit -> erp-orders sales_order', ${ms('erp - received_at')} FROM j
    UNION ALL SELECT 7, 'ingest commit -> finance-invoicing invoice', ${ms('fin - received_at')} FROM j
    UNION ALL SELECT 8, 'ingest commit -> support-onboarding ticket', ${ms('sup - received_at')} FROM j
    UNION ALL SELECT 9, 'ingest commit -> marketing-segments membership', ${ms('mkt - received_at')} FROM j
  )
  SELECT name, count(v) AS n,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS p50,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY v) AS p95,
         percentile_cont(0.99) WITHIN GROUP (ORDER BY v) AS p99,
         max(v) AS max
  FROM v GROUP BY ord, name ORDER BY ord`;

interface Sent {
  /** Slots in the schedule. */
  count: number;
  /** Slots not sent because MAX_IN_FLIGHT requests were outstanding. */
  skipped: number;
  /** Requests sent more than 20 ms after their slot. */
  late: number;
  statuses: Record<string, number>;
  /** Response times of the answered requests, ms. */
  responses: number[];
}

/**
 * Sends `rate` deals/s for `seconds` on a fixed schedule without waiting for responses (open loop);
 * resolves once every request has its answer.
 */
async function sendAt(client: IngestClient, tag: string, rate: number, seconds: number): Promise<Sent> {
  const statuses: Record<string, number> = {};
  const responses: number[] = [];
  let late = 0;
  let skipped = 0;
  const count = Math.round(rate * seconds);
  const pending = new Set<Promise<void>>();
  const begin = performance.now();
  let slot = 0;
  while (slot < count) {
    const due = Math.min(count, Math.floor(((performance.now() - begin) * rate) / 1000) + 1);
    for (; slot < due; slot++) {
      if (pending.size >= MAX_IN_FLIGHT) {
        skipped++;
        continue;
      }
      const started = performance.now();
      if (started - (begin + (slot * 1000) / rate) > 20) late++;
      const dealId = `D-${tag}-${slot}`;
      const request = client
        .post('crm', { id: `bench-${dealId}`, type: 'deal_won', data: sampleDeal({ dealId }) })
        .then(
          (result) => {
            statuses[result.status] = (statuses[result.status] ?? 0) + 1;
            responses.push(performance.now() - started);
          },
          (error: unknown) => {
            const key = `error ${(error as { code?: string }).code ?? String(error)}`;
            statuses[key] = (statuses[key] ?? 0) + 1;
          },
        )
        .finally(() => pending.delete(request));
      pending.add(request);
    }
    // Asleep until the next slot is due: polling every millisecond cost the load generator 4 % of a
    // core by itself, taken from the services it measures.
    await sleep(Math.max(0, begin + (slot * 1000) / rate - performance.now()));
  }
  await Promise.all(pending);
  return { count, skipped, late, statuses, responses };
}

/** The database's clock: the services stamp their rows with it, so waits and windows compare with it. */
async function databaseNow(bench: Bench): Promise<Date> {
  const [row] = await bench.query<{ now: Date }>('SELECT now() AS now');
  if (!row) throw new Error('SELECT now() returned no row');
  return row.now;
}

/**
 * Until every deal_won consumer has processed `accepted` events since `startedAt` (60 s at most): a
 * cheap progress poll (an index range on each inbox), so the poller adds little database work.
 */
async function waitForConsumers(bench: Bench, startedAt: Date, accepted: number): Promise<void> {
  const waitUntil = performance.now() + 60_000;
  for (;;) {
    const [row] = await bench.query<{ n: string }>(
      `SELECT least(${DEAL_WON_CONSUMERS.map((name) => `(SELECT count(*) FROM ${SCHEMA_OF[name]}.inbox_message WHERE processed_at >= $1)`).join(', ')}) AS n`,
      [startedAt],
    );
    if (Number(row?.n ?? 0) >= accepted || performance.now() > waitUntil) return;
    await sleep(500);
  }
}

/**
 * Sends `rate` deals/s for `seconds` on a fixed schedule without waiting for responses (open loop),
 * waits until every accepted deal has its four effects (60 s at most), then reads the latencies
 * from the services' tables. At most MAX_IN_FLIGHT requests are outstanding: when ingest falls that
 * far behind, a slot is skipped (and counted) instead of opening ever more connections.
 */
async function measureAt(
  bench: Bench,
  client: IngestClient,
  services: ServiceProcess[],
  tag: string,
  rate: number,
  seconds: number,
  label: string,
): Promise<LatencyResult> {
  // What the run before (the warm-up, the target run) left is cleared first, as autovacuum would.
  await bench.vacuum();
  const statsBefore = await databaseStats(bench);
  const startedAt = await databaseNow(bench);
  const cpuWindow = bench.cpu(services, 'bench (load generator)').start();
  const { count, skipped, late, statuses, responses } = await sendAt(client, tag, rate, seconds);
  const cpu = cpuWindow.stop();
  const accepted = statuses['202'] ?? 0;
  log(
    `latency (${label}) @${rate}/s: sent ${count - skipped} (${skipped} slots skipped: ${MAX_IN_FLIGHT} requests outstanding), ` +
      `statuses ${JSON.stringify(statuses)}, ${late} sent >20 ms late; waiting for the four effects`,
  );

  const pattern = `bench-D-${tag}-%`;
  await waitForConsumers(bench, startedAt, accepted);
  const [row] = await bench.query<{ n: string }>(
    `${DEALS_SQL}
     SELECT count(*) AS n FROM d
     JOIN erp_orders.sales_order so ON so.deal_id = d.deal_id
     JOIN finance_invoicing.invoice inv ON inv.deal_id = d.deal_id
     JOIN support_onboarding.onboarding_ticket t ON t.deal_id = d.deal_id
     JOIN marketing_segments.segment_membership sm ON sm.deal_id = d.deal_id`,
    [pattern],
  );
  const complete = Number(row?.n ?? 0);
  await sleep(1_500); // PostgreSQL publishes a backend's counters at most once a second
  const statsAfter = await databaseStats(bench);
  const perDeal = (key: keyof DatabaseStats) => (statsAfter[key] - statsBefore[key]) / Math.max(1, accepted);
  const database = {
    commitsPerDeal: perDeal('commits'),
    rowsInsertedPerDeal: perDeal('inserted'),
    rowsUpdatedPerDeal: perDeal('updated'),
  };
  log(
    `latency (${label}) @${rate}/s: database work per accepted deal (all services, from pg_stat_database): ` +
      `${database.commitsPerDeal.toFixed(1)} commits, ${database.rowsInsertedPerDeal.toFixed(1)} rows inserted, ` +
      `${database.rowsUpdatedPerDeal.toFixed(1)} updated`,
  );
  if (complete < accepted) {
    log(
      `latency (${label}) @${rate}/s: WARNING only ${complete} of ${accepted} deals reached all four effects within 60 s`,
    );
  }

  const rows = await bench.query<{
    name: string;
    n: string;
    p50: number;
    p95: number;
    p99: number;
    max: number;
  }>(DISTRIBUTIONS_SQL, [pattern]);
  const distributions: Distribution[] = rows.map((row) => ({
    name: row.name,
    n: Number(row.n),
    p50: Number(row.p50),
    p95: Number(row.p95),
    p99: Number(row.p99),
    max: Number(row.max),
  }));
  const [fourthEffect, ...breakdown] = distributions;
  if (!fourthEffect || fourthEffect.n === 0) throw new Error(`no deal reached its four effects at ${rate}/s`);
  responses.sort((a, b) => a - b);
  const result: LatencyResult = {
    rate,
    seconds,
    sent: count - skipped,
    accepted,
    late,
    skipped,
    complete,
    fourthEffect,
    breakdown,
    responseMs: { p50: percentile(responses, 50), p99: percentile(responses, 99) },
    cpu,
    ...costPerEvent(cpu, accepted / seconds),
    database,
  };
  const f = (value: number) => value.toFixed(0).padStart(6);
  log(
    `latency (${label}) @${rate}/s: ${complete}/${accepted} deals complete; in ms     p50    p95    p99    max`,
  );
  for (const d of distributions)
    log(`  ${d.name.padEnd(50)} ${f(d.p50)} ${f(d.p95)} ${f(d.p99)} ${f(d.max)}`);
  log(
    `latency (${label}) @${rate}/s: POST /v1/events response p50 ${result.responseMs.p50.toFixed(1)} ms, ` +
      `p99 ${result.responseMs.p99.toFixed(1)} ms`,
  );
  log(`latency (${label}) @${rate}/s: ${formatCpu(cpu)}`);
  log(
    `latency (${label}) @${rate}/s: per deal (all five services) ${formatPerEvent(result.cpuMsPerEvent, 'bench (load generator)')}`,
  );
  log(`latency (${label}) @${rate}/s: per deal, ${formatWritesPerEvent(result.writesPerEvent)}`);
  return result;
}

export interface LatencyPhaseResult {
  target: LatencyResult;
  floor?: LatencyResult;
  idle: CpuReport;
  /** Peak RSS of each of the five services over the phase (warm-up, target and floor run), MB. */
  peakRssMb: Record<string, number | null>;
}

/** The target rate again, with tracing off (OTEL_SDK_DISABLED=true) in all five services. */
export interface UntracedResult {
  run: LatencyResult;
  /** The same run with tracing on again, after the tracing-off one (the second A of A-B-A). */
  retraced: LatencyResult;
  peakRssMb: Record<string, number | null>;
}

/**
 * Runs `measure` while the five services are up (started with `env`, new consumer groups under
 * `prefix` positioned at the end of the deal_won topic, so only the deals sent from now on are
 * read), then stops them; returns its result and each service's peak RSS.
 */
async function withFiveServices<T>(
  bench: Bench,
  prefix: string,
  env: NodeJS.ProcessEnv,
  measure: (client: IngestClient, services: ServiceProcess[]) => Promise<T>,
): Promise<{ result: T; peakRssMb: Record<string, number | null> }> {
  const offsets = await endOffsets(bench.brokers, Topic.deal_won);
  for (const name of DEAL_WON_CONSUMERS) {
    await positionGroup(bench.brokers, `${prefix}.${name}`, Topic.deal_won, offsets);
  }
  const services: ServiceProcess[] = [bench.start('ingest', env)];
  for (const name of DEAL_WON_CONSUMERS)
    services.push(bench.start(name, { ...env, KAFKA_GROUP_PREFIX: prefix }));
  // A failure leaves them running: the phase runner stops every service then.
  await Promise.all(services.map((service) => service.waitReady()));
  const result = await measure(IngestClient.fromEnv(services[0].url, bench.env), services);
  return { result, peakRssMb: await bench.stopEach(services) };
}

const latencyRate = (bench: Bench) => bench.number('LATENCY_RATE', 200);
const latencySeconds = (bench: Bench) => bench.number('LATENCY_SECONDS', 60);

/** The warm-up at the target rate sends in slices of this length ... */
const WARMUP_SLICE_SECONDS = 5;
/** ... for at least this long (the services' own JIT, a run with fresh services as the untraced one) ... */
const WARMUP_MIN_SECONDS = 20;
/** ... then until the broker's compiler threads used less than this share of one core in a slice ... */
const BROKER_JIT_QUIET_PERCENT = 5;
/** ... or this long at most. */
const WARMUP_MAX_SECONDS = 60;

/**
 * What precedes a measurement: 3 s at up to 100 deals/s (connections opened), then the target rate
 * for 20 s and on until the broker's JIT compiler is done. The bench starts a fresh broker, and its
 * C1/C2 compiler threads were still more than half of its CPU during a 30 s run at 200 deals/s, even
 * after phases 4 and 5 (BENCHMARKS.md): a cost a long-running broker has paid long ago, not one of
 * the deals'.
 */
async function warmUp(
  bench: Bench,
  client: IngestClient,
  services: ServiceProcess[],
  tag: string,
  label: string,
) {
  const first = Math.min(latencyRate(bench), 100);
  log(`latency: all five services ready; 3 s warm-up at ${first}/s`);
  await measureAt(bench, client, services, tag, first, 3, label);

  const rate = latencyRate(bench);
  const brokers = bench.brokerPids();
  const startedAt = await databaseNow(bench);
  let accepted = 0;
  for (let seconds = 0; seconds < WARMUP_MAX_SECONDS;) {
    const before = jitCompilerTicks(brokers);
    const sent = await sendAt(client, `${tag}J${seconds}`, rate, WARMUP_SLICE_SECONDS);
    seconds += WARMUP_SLICE_SECONDS;
    accepted += sent.statuses['202'] ?? 0;
    // 100 ticks are one second of one core.
    const percent = (jitCompilerTicks(brokers) - before) / WARMUP_SLICE_SECONDS;
    log(
      `latency (${label}) @${rate}/s, ${seconds} s: the broker's JIT compiler threads used ${percent.toFixed(0)}% of a core`,
    );
    if (seconds >= WARMUP_MIN_SECONDS && percent < BROKER_JIT_QUIET_PERCENT) break;
  }
  await waitForConsumers(bench, startedAt, accepted);
}

/**
 * Ingest commit -> fourth effect with all five services running (new consumer groups positioned at
 * the end of the deal_won topic, so only these deals are read): LATENCY_RATE deals/s for
 * LATENCY_SECONDS (the target run), then LATENCY_FLOOR_RATE deals/s for LATENCY_FLOOR_SECONDS (0
 * skips it), a load the machine does not saturate, which shows the latency the pipeline itself adds.
 * Times come from the services' own tables: ingest.received_event.received_at ->
 * erp_orders.sales_order.created_at, finance_invoicing.invoice.issued_at,
 * support_onboarding.onboarding_ticket.created_at, marketing_segments.segment_membership.valid_from.
 */
export async function latencyPhase(bench: Bench): Promise<LatencyPhaseResult> {
  const rate = latencyRate(bench);
  const seconds = latencySeconds(bench);
  const floorRate = Number(bench.env.LATENCY_FLOOR_RATE ?? 50);
  const floorSeconds = Number(bench.env.LATENCY_FLOOR_SECONDS ?? 15);
  const { result, peakRssMb } = await withFiveServices(
    bench,
    `bench-${bench.runId}-all`,
    {},
    async (client, services) => {
      const idleWindow = bench.cpu(services, 'bench').start();
      await sleep(5_000);
      const idle = idleWindow.stop();
      log(`latency: the five services idle for 5 s: ${formatCpu(idle)}`);
      await warmUp(bench, client, services, `W${bench.tag}`, 'warm-up');
      const target = await measureAt(bench, client, services, `L${bench.tag}`, rate, seconds, 'target');
      const floor =
        floorRate > 0 && floorSeconds > 0
          ? await measureAt(bench, client, services, `F${bench.tag}`, floorRate, floorSeconds, 'floor')
          : undefined;
      return { target, floor, idle };
    },
  );
  return { ...result, peakRssMb };
}

/** LATENCY_UNTRACED_SECONDS, by default half of LATENCY_SECONDS; 0 skips the tracing-off run. */
export function untracedSeconds(bench: Bench): number {
  return Number(bench.env.LATENCY_UNTRACED_SECONDS ?? latencySeconds(bench) / 2);
}

/**
 * What tracing costs, as A-B-A: after the target run (tracing on), the same run for untracedSeconds
 * with five new services and OTEL_SDK_DISABLED=true, then once more with five new services and
 * tracing on. Compared with the mean of the runs before and after it, a cost that drifts with the
 * order cancels out. The report also compares the runs' commits per deal: faster services commit
 * smaller batches, and CPU per deal then measures the batch sizes rather than the tracing.
 */
export async function untracedPhase(bench: Bench): Promise<UntracedResult> {
  const run = (
    prefix: string,
    env: NodeJS.ProcessEnv,
    tags: [warmUp: string, measured: string],
    label: string,
  ) =>
    withFiveServices(bench, `bench-${bench.runId}-${prefix}`, env, async (client, services) => {
      log(`latency: the five services started anew (${label})`);
      await warmUp(bench, client, services, `${tags[0]}${bench.tag}`, `warm-up, ${label}`);
      const seconds = untracedSeconds(bench);
      return measureAt(bench, client, services, `${tags[1]}${bench.tag}`, latencyRate(bench), seconds, label);
    });
  const off = await run('untraced', { OTEL_SDK_DISABLED: 'true' }, ['X', 'U'], 'tracing off');
  const on = await run('retraced', {}, ['Y', 'R'], 'tracing on again');
  return { run: off.result, retraced: on.result, peakRssMb: off.peakRssMb };
}
