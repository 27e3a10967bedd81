import { Topic } from '@switchboard/contracts';

import { Bench, log, sleep } from '../support/bench-context';
import { cpuPerEvent, formatCpu, formatPerEvent, type CpuReport } from '../support/cpu';
import { positionGroup, type PartitionOffset } from '../support/kafka-groups';
import { consumerTarget } from './consumer';

export interface RawConsumerResult {
  events: number;
  /** From the first to the last event read, measured in the raw consumer. */
  eventsPerSecond: number;
  startupSeconds: number;
  cpu: CpuReport;
  cpuMsPerEvent: Record<string, number>;
  peakRssMb: number | null;
}

/**
 * The ceiling of the consumer rows on the Kafka side: bench/raw-consumer (a plain
 * @platformatic/kafka consumer in a node process of its own, JSON.parse of each value, no
 * database) reads the same deal_won events as the consumer phase, from the same start offsets,
 * as many of them as a consumer there does. Its CPU window opens once it has joined its group,
 * just before it starts reading, and closes when it has read them all.
 */
export async function rawConsumerPhase(
  bench: Bench,
  from: PartitionOffset[],
  available: number,
): Promise<RawConsumerResult> {
  const target = consumerTarget(bench, available);
  const maxSeconds = bench.number('CONSUMER_MAX_SECONDS', 25);
  const group = `bench-${bench.runId}-raw.raw-consumer`;
  await positionGroup(bench.brokers, group, Topic.deal_won, from);
  const launched = performance.now();
  const consumer = bench.start('raw-consumer', { BENCH_RAW_GROUP: group, BENCH_RAW_EVENTS: String(target) });
  await consumer.waitReady();
  const startupSeconds = (performance.now() - launched) / 1000;
  log(
    `raw consumer: ready in ${startupSeconds.toFixed(1)} s (pid ${consumer.pid}, group ${group}); reading ${target} events`,
  );

  const progress = async () =>
    (await (await fetch(`${consumer.url}/progress`)).json()) as { events: number; seconds: number };
  const cpuWindow = bench.cpu([consumer], 'bench (poller)').start();
  await fetch(`${consumer.url}/start`, { method: 'POST' });
  const deadline = performance.now() + maxSeconds * 1000;
  let read = await progress();
  while (read.events < target && performance.now() < deadline) {
    await sleep(250);
    read = await progress();
  }
  const cpu = cpuWindow.stop();
  const peakRssMb = await bench.stop(consumer);
  if (read.events < target) {
    throw new Error(`the raw consumer read ${read.events} of ${target} events within ${maxSeconds} s`);
  }
  const result: RawConsumerResult = {
    events: read.events,
    // The first event starts the clock: the rate counts the events after it.
    eventsPerSecond: read.seconds > 0 ? (read.events - 1) / read.seconds : NaN,
    startupSeconds,
    cpu,
    cpuMsPerEvent: cpuPerEvent(cpu, read.events / cpu.seconds),
    peakRssMb,
  };
  log(
    `raw consumer: ${result.eventsPerSecond.toFixed(0)} events/s (${read.events} events in ${read.seconds.toFixed(2)} s, JSON.parse each, no database)`,
  );
  log(`raw consumer: ${formatCpu(cpu)}`);
  log(`raw consumer: ${formatPerEvent(result.cpuMsPerEvent, 'bench (poller)')}`);
  return result;
}
