import { Topic } from '@switchboard/contracts';

import { Bench, SCHEMA_OF, log, sleep, type InboxConsumer } from '../support/bench-context';
import {
  costPerEvent,
  formatCpu,
  formatPerEvent,
  formatWritesPerEvent,
  type CpuReport,
} from '../support/cpu';
import { positionGroup, type PartitionOffset } from '../support/kafka-groups';

export interface ConsumerResult {
  service: InboxConsumer;
  target: number;
  applied: number;
  deadLettered: number;
  /** Steady state: inbox rows per second between the first and the last poll that saw progress. */
  eventsPerSecond: number;
  /** The same from the inbox's own processed_at span (transaction start times), as a cross-check. */
  eventsPerSecondByProcessedAt: number;
  startupSeconds: number;
  measuredSeconds: number;
  /** Share of the measured wall time spent inside the event handlers (the service's own metric). */
  handlerShare: number | null;
  handlerAvgMs: number | null;
  transactions: number;
  eventsPerTransaction: number;
  cpu: CpuReport;
  cpuMsPerEvent: Record<string, number>;
  /** Write system calls per event of each process group: its round trips (PostgreSQL's: files only). */
  writesPerEvent: Record<string, number>;
  peakRssMb: number | null;
}

/** How many of the relay phase's `available` events a consumer of phase 5 reads (CONSUMER_EVENTS at most). */
export function consumerTarget(bench: Bench, available: number): number {
  return Math.min(bench.number('CONSUMER_EVENTS', 50_000), available);
}

/** Sum and count of a Prometheus histogram for one consumer group, from the service's /metrics. */
async function histogram(
  url: string,
  name: string,
  group: string,
): Promise<{ sum: number; count: number } | null> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const pick = (suffix: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith(`${name}_${suffix}{`) && line.includes(`group="${group}"`))
        .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    return { sum: pick('sum'), count: pick('count') };
  } catch {
    return null;
  }
}

/**
 * One consumer service (or the null consumer) alone, with a new consumer group positioned at the
 * start of the relay phase's deal_won events (so it reads exactly those, none older), applying them
 * through its inbox. Measured from its inbox table until CONSUMER_EVENTS rows are applied or
 * CONSUMER_MAX_SECONDS pass.
 */
export async function consumerPhase(
  bench: Bench,
  name: InboxConsumer,
  from: PartitionOffset[],
  available: number,
): Promise<ConsumerResult> {
  const target = consumerTarget(bench, available);
  const maxSeconds = bench.number('CONSUMER_MAX_SECONDS', 25);
  const schema = SCHEMA_OF[name];
  const prefix = `bench-${bench.runId}-single`;
  const group = `${prefix}.${name}`;
  await positionGroup(bench.brokers, group, Topic.deal_won, from);
  const [{ since }] = (await bench.query<{ since: Date }>('SELECT now() AS since')) as [{ since: Date }];
  const count = async (): Promise<number> => {
    const [row] = await bench.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${schema}.inbox_message WHERE processed_at >= $1`,
      [since],
    );
    return Number(row?.n ?? 0);
  };

  const launched = performance.now();
  const service = bench.start(name, { KAFKA_GROUP_PREFIX: prefix });
  await service.waitReady();
  const startupSeconds = (performance.now() - launched) / 1000;
  log(
    `${name}: ready in ${startupSeconds.toFixed(1)} s (pid ${service.pid}, group ${group}); applying up to ${target} events`,
  );

  const cpuWindow = bench.cpu([service], 'bench (poller)').start();
  const handlerBefore = await histogram(service.url, 'switchboard_consumer_handler_duration_seconds', group);
  const deadline = performance.now() + maxSeconds * 1000;
  let first: { at: number; n: number } | null = null;
  let last: { at: number; n: number } = { at: performance.now(), n: 0 };
  for (;;) {
    await sleep(250);
    const n = await count();
    const at = performance.now();
    if (n > 0 && !first) first = { at, n };
    if (n > last.n) last = { at, n };
    if (n >= target || at >= deadline) break;
  }
  const handlerAfter = await histogram(service.url, 'switchboard_consumer_handler_duration_seconds', group);
  const cpu = cpuWindow.stop();
  const peakRssMb = await bench.stop(service);

  const [stats] = await bench.query<{
    applied: string;
    dead: string;
    first: Date;
    last: Date;
    transactions: string;
  }>(
    `SELECT count(*) FILTER (WHERE status = 'applied') AS applied, count(*) FILTER (WHERE status = 'dead_lettered') AS dead,
            min(processed_at) AS first, max(processed_at) AS last, count(DISTINCT processed_at) AS transactions
     FROM ${schema}.inbox_message WHERE processed_at >= $1`,
    [since],
  );
  if (!first || !stats)
    throw new Error(`${name} applied nothing within ${maxSeconds} s (see its log in ${bench.runDir}/logs)`);
  const applied = Number(stats.applied);
  const total = applied + Number(stats.dead);
  const transactions = Number(stats.transactions);
  const spanSeconds = (stats.last.getTime() - stats.first.getTime()) / 1000;
  const measuredSeconds = (last.at - first.at) / 1000;
  const handled = handlerBefore && handlerAfter ? handlerAfter.count - handlerBefore.count : 0;
  const handlerSeconds = handlerBefore && handlerAfter ? handlerAfter.sum - handlerBefore.sum : 0;
  const result: ConsumerResult = {
    service: name,
    target,
    applied,
    deadLettered: Number(stats.dead),
    eventsPerSecond: measuredSeconds > 0 ? (last.n - first.n) / measuredSeconds : NaN,
    // processed_at is the transaction start: the span covers all transactions but the last one.
    eventsPerSecondByProcessedAt:
      spanSeconds > 0 ? (total * (transactions - 1)) / transactions / spanSeconds : NaN,
    startupSeconds,
    measuredSeconds,
    handlerShare: handled > 0 ? handlerSeconds / cpu.seconds : null,
    handlerAvgMs: handled > 0 ? (1000 * handlerSeconds) / handled : null,
    transactions,
    eventsPerTransaction: transactions > 0 ? total / transactions : NaN,
    cpu,
    // CPU over the whole window (polls included) per event applied in it.
    ...costPerEvent(cpu, last.n / cpu.seconds),
    peakRssMb,
  };
  log(
    `${name}: ${result.eventsPerSecond.toFixed(0)} events/s steady state (${last.n - first.n} events in ${measuredSeconds.toFixed(1)} s; ` +
      `by processed_at ${result.eventsPerSecondByProcessedAt.toFixed(0)}/s); ${applied} applied, ${result.deadLettered} dead-lettered, ` +
      `${transactions} transactions (~${result.eventsPerTransaction.toFixed(0)} events each)`,
  );
  if (result.handlerAvgMs !== null && result.handlerShare !== null) {
    log(
      `${name}: handler ${result.handlerAvgMs.toFixed(2)} ms per event on average; handlers busy ${(100 * result.handlerShare).toFixed(0)}% ` +
        `of wall time summed over the concurrent partitions`,
    );
  }
  log(`${name}: ${formatCpu(cpu)}`);
  log(`${name}: ${formatPerEvent(result.cpuMsPerEvent, 'bench (poller)')}`);
  log(`${name}: ${formatWritesPerEvent(result.writesPerEvent)}`);
  return result;
}
