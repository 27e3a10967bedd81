import { IngestClient, sampleDeal } from '@switchboard/testing';

import { Bench, log, percentile } from '../support/bench-context';
import {
  costPerEvent,
  formatCpu,
  formatPerEvent,
  formatWritesPerEvent,
  type CpuReport,
} from '../support/cpu';

export interface IngestResult {
  workers: number;
  seconds: number;
  acceptedPerSecond: number;
  statuses: Record<string, number>;
  responseMs: { p50: number; p95: number; p99: number };
  /** Outbox rows not yet published when the load stopped (did ingest's relay keep up?). */
  pendingAtEnd: number;
  cpu: CpuReport;
  cpuMsPerEvent: Record<string, number>;
  /** Write system calls per event of each process group: its round trips (PostgreSQL's: files only). */
  writesPerEvent: Record<string, number>;
  peakRssMb: number | null;
}

/**
 * Closed-loop load on POST /v1/events: N workers, each sending signed deal_won requests back to back
 * (Node's fetch/undici via IngestClient, keep-alive). 2 s warm-up, then every response completing in
 * the measured window is counted; the rate is 202s per second.
 */
export async function ingestPhase(bench: Bench): Promise<IngestResult> {
  const workers = bench.number('INGEST_WORKERS', 32);
  const seconds = bench.number('INGEST_SECONDS', 10);
  const warmupMs = 2_000;
  const ingest = bench.start('ingest');
  await ingest.waitReady();
  log(
    `ingest ready on ${ingest.url} (pid ${ingest.pid}); ${workers} workers, 2 s warm-up + ${seconds} s measured`,
  );

  const client = IngestClient.fromEnv(ingest.url, bench.env);
  const tag = `I${bench.tag}`;
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let next = 0;
  const begin = performance.now();
  const measureFrom = begin + warmupMs;
  const measureTo = measureFrom + seconds * 1000;
  const cpuWindow = bench.cpu([ingest], 'bench (load generator)');
  const cpuStart = setTimeout(() => cpuWindow.start(), warmupMs);

  const worker = async (): Promise<void> => {
    while (performance.now() < measureTo) {
      const dealId = `D-${tag}-${next++}`;
      const sent = performance.now();
      let status: string;
      try {
        const result = await client.post('crm', {
          id: `bench-${dealId}`,
          type: 'deal_won',
          data: sampleDeal({ dealId }),
        });
        status = String(result.status);
      } catch (error) {
        status = `error ${error instanceof Error ? error.message : String(error)}`;
      }
      const done = performance.now();
      if (done >= measureFrom && done < measureTo) {
        statuses[status] = (statuses[status] ?? 0) + 1;
        latencies.push(done - sent);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  clearTimeout(cpuStart);
  const cpu = cpuWindow.stop();

  const [pending] = await bench.query<{ n: string }>(
    'SELECT count(*) AS n FROM ingest.outbox_message WHERE published_at IS NULL',
  );
  const peakRssMb = await bench.stop(ingest); // a graceful stop flushes the rest of the outbox to Kafka
  latencies.sort((a, b) => a - b);
  const result: IngestResult = {
    workers,
    seconds,
    acceptedPerSecond: (statuses['202'] ?? 0) / seconds,
    statuses,
    responseMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
    },
    pendingAtEnd: Number(pending?.n ?? 0),
    cpu,
    ...costPerEvent(cpu, (statuses['202'] ?? 0) / seconds),
    peakRssMb,
  };
  log(
    `ingest: ${result.acceptedPerSecond.toFixed(0)} accepted/s (statuses ${JSON.stringify(statuses)}), response ` +
      `p50 ${result.responseMs.p50.toFixed(1)} ms, p99 ${result.responseMs.p99.toFixed(1)} ms; ` +
      `${result.pendingAtEnd} outbox rows still unpublished at the end`,
  );
  log(`ingest: ${formatCpu(cpu)}`);
  log(`ingest: ${formatPerEvent(result.cpuMsPerEvent, 'bench (load generator)')}`);
  log(`ingest: ${formatWritesPerEvent(result.writesPerEvent)}`);
  return result;
}
