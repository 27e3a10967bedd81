import 'reflect-metadata';

import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

import { consumerPhase, type ConsumerResult } from './phases/consumer';
import { ingestPhase, type IngestResult } from './phases/ingest';
import { ingestSqlPhase, type IngestSqlResult } from './phases/ingest-sql';
import {
  latencyPhase,
  untracedPhase,
  untracedSeconds,
  type LatencyPhaseResult,
  type LatencyResult,
  type UntracedResult,
} from './phases/latency';
import { rawConsumerPhase, type RawConsumerResult } from './phases/raw-consumer';
import { relayPhase, type RelayResult } from './phases/relay';
import {
  Bench,
  DEAL_WON_CONSUMERS,
  isDealWonConsumer,
  log,
  type InboxConsumer,
} from './support/bench-context';
import { EVERYTHING_ELSE, type CpuReport } from './support/cpu';

/** Phases 1-2 are run by bench/run.sh (pgbench, ProducerPerformance) and handed over as JSON. */
interface ShellResults {
  pg: { tps: number; latencyMs: number | null; clients: number; seconds: number };
  kafka: {
    records: number;
    recordsPerSec: number | null;
    mbPerSec: number | null;
    avgMs: number | null;
    p99Ms: number | null;
  };
}

interface Results {
  runId: string;
  machine: Record<string, string | number>;
  env: Record<string, string>;
  shell: ShellResults | null;
  ingest?: IngestResult;
  ingestSql?: IngestSqlResult;
  relay?: RelayResult;
  consumers: ConsumerResult[];
  rawConsumer?: RawConsumerResult;
  latency?: LatencyPhaseResult;
  untraced?: UntracedResult;
  failures: Record<string, string>;
}

/** The set-based pipeline's targets on this machine (2 cores). */
const TARGETS = {
  ingest: 1_500,
  relay: 25_000,
  consumer: {
    'marketing-segments': 6_000,
    'erp-orders': 4_000,
    'null-consumer': 15_000,
  } as Record<string, number>,
  p99Ms: 100,
  cpuMsPerDeal: 6,
  /** Peak RSS of each service at the target rate. */
  rssMb: 250,
  /** Extra CPU per deal with tracing on, percent of the CPU with tracing off. */
  tracingPercent: 10,
};

/** Settings that change the numbers, echoed in the report. */
const TUNABLES = [
  'OUTBOX_BATCH_SIZE',
  'OUTBOX_POLL_INTERVAL_MS',
  'OUTBOX_LINGER_MS',
  'KAFKA_COMPRESSION',
  'CONSUMER_MAX_TRANSACTION_SIZE',
  'CONSUMER_FETCH_MIN_BYTES',
  'CONSUMER_FETCH_MAX_WAIT_MS',
  'CONSUMER_COMMIT_INTERVAL_MS',
  'CONSUMER_PARTITION_CONCURRENCY',
  'CONSUMER_COMBINE_PARTITIONS',
  'DATABASE_POOL_SIZE',
  'DATABASE_PREPARED_STATEMENTS',
  'TOPIC_PARTITIONS',
  'LOG_LEVEL',
];

async function machine(bench: Bench): Promise<Record<string, string | number>> {
  const [pg] = await bench.query<{ version: string }>('SELECT version()');
  const pom = readFileSync(join(bench.root, 'deploy/kafka/pom.xml'), 'utf8');
  const client = JSON.parse(
    readFileSync(join(bench.root, 'node_modules/@platformatic/kafka/package.json'), 'utf8'),
  ) as { version: string };
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    ramGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: (pg?.version ?? '').split(' on ')[0] ?? '',
    kafka: /<kafka.version>(.*)<\/kafka.version>/.exec(pom)?.[1] ?? 'unknown',
    kafkaClient: client.version,
  };
}

async function phase<T>(
  results: Results,
  name: string,
  run: () => Promise<T>,
  bench: Bench,
): Promise<T | undefined> {
  console.log(`\n== [${Math.round(process.uptime())}s in node] ${name}`);
  try {
    await bench.vacuum();
    await bench.waitQuiet();
    return await run();
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    results.failures[name] = message.split('\n')[0] ?? message;
    console.error(`bench: ${name} FAILED: ${message}`);
    await bench.stopAll();
    return undefined;
  }
}

/**
 * Tracing on and off are compared only while their runs commit within this share of each other per
 * deal: beyond it the CPU per deal differs by batch size, whatever tracing costs.
 */
const COMPARABLE_COMMITS = 0.2;

const LOAD_GENERATORS = [
  'bench (load generator)',
  'bench (poller)',
  'postgres (backends of the bench queries)',
];

/** CPU ms per event of the system under test (load generator and other users excluded). */
function systemMs(perEvent: Record<string, number> | undefined): number | null {
  if (!perEvent || Object.keys(perEvent).length === 0) return null;
  return Object.entries(perEvent)
    .filter(([name]) => !LOAD_GENERATORS.includes(name))
    .reduce((sum, [, ms]) => sum + ms, 0);
}

function report(results: Results, wants: (phase: number) => boolean): string {
  const n = (value: number | null | undefined, digits = 0) =>
    value === null || value === undefined || Number.isNaN(value)
      ? 'n/a'
      : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const verdict = (ok: boolean | null) => (ok === null ? '' : ok ? 'MET' : 'MISSED');
  const failed = (key: string) => (results.failures[key] ? `FAILED: ${results.failures[key]}` : 'not run');
  const others = (cpu: CpuReport | undefined) =>
    cpu ? `${n(cpu.percentOfOneCore[EVERYTHING_ELSE] ?? 0)}%` : '';
  const ms = (perEvent: Record<string, number> | undefined) => {
    const value = systemMs(perEvent);
    return value === null ? '' : n(value, 2);
  };
  const mb = (value: number | null | undefined) =>
    value === null || value === undefined ? '' : `${n(value)} MB`;
  type Row = [string, string, string, string, string, string, string];
  const rows: Row[] = [];
  const { shell, ingest, ingestSql, relay, consumers, rawConsumer, latency, untraced } = results;
  if (wants(1)) {
    rows.push([
      `1 PostgreSQL 1-row INSERT tx (pgbench, ${shell?.pg.clients ?? '?'} clients, ${shell?.pg.seconds ?? '?'} s)`,
      shell?.pg.tps ? `${n(shell.pg.tps)} tx/s (avg ${n(shell.pg.latencyMs, 2)} ms)` : 'n/a',
      '',
      '',
      '',
      '',
      '',
    ]);
  }
  if (wants(2)) {
    rows.push([
      `2 Kafka produce 1 KiB, acks=all (ProducerPerformance, ${n(shell?.kafka.records)} rec)`,
      shell?.kafka.recordsPerSec
        ? `${n(shell.kafka.recordsPerSec)} rec/s (${n(shell.kafka.mbPerSec, 1)} MB/s)`
        : 'n/a',
      '',
      '',
      '',
      '',
      '',
    ]);
  }
  if (wants(3)) {
    rows.push([
      `3 ingest POST /v1/events deal_won (${ingest?.workers ?? '?'} workers)`,
      ingest
        ? `${n(ingest.acceptedPerSecond)} 202/s (p99 ${n(ingest.responseMs.p99, 1)} ms)`
        : failed('3 ingest acceptance'),
      `>= ${n(TARGETS.ingest)}/s`,
      verdict(ingest ? ingest.acceptedPerSecond >= TARGETS.ingest : null),
      ms(ingest?.cpuMsPerEvent),
      mb(ingest?.peakRssMb),
      others(ingest?.cpu),
    ]);
    rows.push([
      `  3b pgbench of ingest's own SQL at ingest's concurrency (${ingestSql?.clients ?? '?'} clients, ${ingestSql?.seconds ?? '?'} s)`,
      ingestSql
        ? `${n(ingestSql.transactionsPerSecond)} tx/s (avg ${n(ingestSql.latencyMs, 2)} ms)`
        : failed('3b ingest SQL (pgbench)'),
      '',
      '',
      ms(ingestSql?.cpuMsPerEvent),
      '',
      others(ingestSql?.cpu),
    ]);
  }
  if (wants(4)) {
    rows.push([
      `4 outbox relay drain, ${n(relay?.rows ?? 100_000)} rows (batch ${relay?.batchSize ?? '?'})`,
      relay ? `${n(relay.eventsPerSecond)} events/s` : failed('4 relay drain'),
      `>= ${n(TARGETS.relay)}/s`,
      verdict(relay ? relay.eventsPerSecond >= TARGETS.relay : null),
      ms(relay?.cpuMsPerEvent),
      '',
      others(relay?.cpu),
    ]);
    if (relay) {
      rows.push([
        `  4b same messages via KafkaPublisher alone (no DB)`,
        `${n(relay.publisherOnly.eventsPerSecond)} events/s`,
        '',
        '',
        '',
        '',
        others(relay.publisherOnly.cpu),
      ]);
    }
  }
  if (wants(5)) {
    // In the order they ran, the null consumer (the ceiling of the real ones) after them.
    const inbox: Array<{ name: string; result?: ConsumerResult; failure?: string }> = [
      ...consumers.map((result) => ({ name: result.service, result })),
      ...Object.entries(results.failures)
        .filter(([key]) => key.startsWith('5 consumer'))
        .map(([key, message]) => ({ name: key.slice(11) || '?', failure: `FAILED: ${message}` })),
    ].sort((a, b) => Number(a.name === 'null-consumer') - Number(b.name === 'null-consumer'));
    for (const { name, result, failure } of inbox) {
      const target = TARGETS.consumer[name];
      rows.push([
        name === 'null-consumer'
          ? "  5b one consumer with inbox, null handler (the transport's own ceiling)"
          : `5 one consumer + inbox: ${name}`,
        result ? `${n(result.eventsPerSecond)} events/s` : (failure ?? ''),
        target ? `>= ${n(target)}/s` : '',
        target && result ? verdict(result.eventsPerSecond >= target) : '',
        ms(result?.cpuMsPerEvent),
        mb(result?.peakRssMb),
        others(result?.cpu),
      ]);
    }
    rows.push([
      '  5c a raw consumer with no database on the same events',
      rawConsumer ? `${n(rawConsumer.eventsPerSecond)} events/s` : failed('5 raw consumer'),
      '',
      '',
      ms(rawConsumer?.cpuMsPerEvent),
      mb(rawConsumer?.peakRssMb),
      others(rawConsumer?.cpu),
    ]);
  }
  if (wants(6)) {
    const target = latency?.target;
    const rate = target?.rate ?? 200;
    const describe = (run: LatencyResult) =>
      `p50 ${n(run.fourthEffect.p50)} / p95 ${n(run.fourthEffect.p95)} / p99 ${n(run.fourthEffect.p99)} ms` +
      (run.accepted < 0.98 * run.rate * run.seconds
        ? ` (only ${n(run.accepted / run.seconds)} deals/s accepted)`
        : '');
    rows.push([
      `6 ingest commit -> 4th effect @ ${rate}/s, ${target?.seconds ?? 30} s`,
      target ? describe(target) : failed('6 latency'),
      `p99 < ${TARGETS.p99Ms} ms, <= ${TARGETS.cpuMsPerDeal} ms CPU`,
      verdict(
        target
          ? target.fourthEffect.p99 < TARGETS.p99Ms &&
              target.accepted >= 0.98 * target.rate * target.seconds &&
              (systemMs(target.cpuMsPerEvent) ?? Infinity) <= TARGETS.cpuMsPerDeal
          : null,
      ),
      ms(target?.cpuMsPerEvent),
      '',
      others(target?.cpu),
    ]);
    const floor = latency?.floor;
    if (floor) {
      rows.push([
        `  6b the same at ${floor.rate}/s, ${floor.seconds} s (below saturation)`,
        describe(floor),
        '',
        '',
        ms(floor.cpuMsPerEvent),
        '',
        others(floor.cpu),
      ]);
    }
    const off = untraced?.run;
    // A-B-A: tracing on before and after the tracing-off run, so a drift with the order cancels.
    const before = systemMs(target?.cpuMsPerEvent);
    const after = systemMs(untraced?.retraced.cpuMsPerEvent);
    const onMs = before !== null && after !== null ? (before + after) / 2 : null;
    const offMs = systemMs(off?.cpuMsPerEvent);
    const extra = onMs !== null && offMs ? (100 * (onMs - offMs)) / offMs : null;
    // Faster services commit smaller batches: CPU per deal then measures the batch sizes, not the
    // tracing. The verdict needs the runs to do the same database work per deal.
    const commits = [target, off, untraced?.retraced].map((run) => run?.database.commitsPerDeal ?? null);
    const [commitsOn, commitsOff, commitsAgain] = commits;
    const commitsOnMean = commitsOn !== null && commitsAgain !== null ? (commitsOn + commitsAgain) / 2 : null;
    const comparable =
      commitsOnMean !== null && commitsOff !== null
        ? Math.abs(commitsOff - commitsOnMean) <= COMPARABLE_COMMITS * commitsOnMean
        : null;
    rows.push([
      `  6c tracing on, off, on again at ${rate} deals/s${off ? ` (off and on again: ${off.seconds} s each)` : ''}`,
      extra !== null
        ? `on ${n(before, 2)} and ${n(after, 2)} / off ${n(offMs, 2)} ms CPU per deal: ${extra >= 0 ? '+' : ''}${n(extra, 1)} %` +
          ` (${commits.map((value) => n(value, 1)).join(' / ')} commits per deal${comparable ? '' : ': not comparable'})`
        : failed(latency ? '6c latency, tracing off and on again' : '6 latency'),
      `<= ${TARGETS.tracingPercent} % more CPU per deal`,
      verdict(extra === null || !comparable ? null : extra <= TARGETS.tracingPercent),
      ms(off?.cpuMsPerEvent),
      '',
      others(off?.cpu),
    ]);
    const peaks = latency ? Object.entries(latency.peakRssMb) : [];
    const values = peaks.map(([, value]) => value);
    const highest = values.length === 0 || values.includes(null) ? null : Math.max(...(values as number[]));
    rows.push([
      `  6d peak RSS per service @ ${rate}/s`,
      latency
        ? `${peaks.map(([service, value]) => `${service.split('-')[0]} ${n(value)}`).join(', ')} MB`
        : failed('6 latency'),
      `<= ${TARGETS.rssMb} MB each`,
      verdict(highest === null ? null : highest <= TARGETS.rssMb),
      '',
      highest === null ? '' : `max ${mb(highest)}`,
      '',
    ]);
  }
  const header: Row = ['measurement', 'result', 'target', '', 'CPU ms/event', 'peak RSS', 'others used'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const m = results.machine;
  return [
    `Switchboard benchmark ${results.runId}: ${m.cores} cores (${m.cpu}), ${m.ramGiB} GiB RAM, node ${m.node}, ${m.postgres}, Kafka ${m.kafka} (@platformatic/kafka ${m.kafkaClient})`,
    `settings: ${Object.entries(results.env)
      .map(([key, value]) => `${key}=${value}`)
      .join(' ')}`,
    '',
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    '',
    'CPU ms/event: CPU time of the services, PostgreSQL and Kafka per event (the bench itself excluded); it depends',
    'far less than a rate on what else runs. others used: CPU of unrelated processes during the phase, % of one core.',
    'peak RSS: VmHWM of the service process just before it was stopped (its whole run), MB = 10^6 bytes.',
  ].join('\n');
}

async function main(): Promise<void> {
  const bench = new Bench();
  const names = (bench.env.CONSUMERS ?? 'marketing-segments erp-orders').split(/[\s,]+/).filter(Boolean);
  const consumers = names.filter(isDealWonConsumer);
  const unknown = names.filter((name) => !isDealWonConsumer(name));
  if (unknown.length > 0) {
    throw new Error(`CONSUMERS: ${unknown.join(', ')} not among ${DEAL_WON_CONSUMERS.join(', ')}`);
  }
  let stopping = false;
  const interrupt = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`bench: ${signal}, stopping the services`);
    void bench.close().finally(() => process.exit(130));
  };
  process.on('SIGINT', () => interrupt('SIGINT'));
  process.on('SIGTERM', () => interrupt('SIGTERM'));

  const results: Results = {
    runId: bench.runId,
    machine: await machine(bench),
    env: Object.fromEntries(TUNABLES.map((key) => [key, bench.env[key] ?? '(default)'])),
    shell: null,
    consumers: [],
    failures: {},
  };
  try {
    results.shell = JSON.parse(
      readFileSync(join(bench.runDir, 'shell-results.json'), 'utf8'),
    ) as ShellResults;
  } catch (error) {
    log(`no results of phases 1-2 (${String(error)})`);
  }

  if (bench.wants(3)) {
    results.ingest = await phase(results, '3 ingest acceptance', () => ingestPhase(bench), bench);
    results.ingestSql = await phase(results, '3b ingest SQL (pgbench)', () => ingestSqlPhase(bench), bench);
  }
  if (bench.wants(4) || bench.wants(5))
    results.relay = await phase(results, '4 relay drain', () => relayPhase(bench), bench);
  const relay = results.relay;
  if (!bench.wants(5)) {
    // not selected
  } else if (relay) {
    // The real consumers, then their ceilings: the inbox transport alone, the Kafka client alone.
    for (const name of [...consumers, 'null-consumer'] satisfies InboxConsumer[]) {
      const result = await phase(
        results,
        `5 consumer ${name}`,
        () => consumerPhase(bench, name, relay.fromOffsets, relay.appendedToTopic),
        bench,
      );
      if (result) results.consumers.push(result);
    }
    results.rawConsumer = await phase(
      results,
      '5 raw consumer',
      () => rawConsumerPhase(bench, relay.fromOffsets, relay.appendedToTopic),
      bench,
    );
  } else {
    results.failures['5 consumer'] = 'skipped: it reads the events of the relay phase';
  }
  if (bench.wants(6)) {
    results.latency = await phase(results, '6 latency', () => latencyPhase(bench), bench);
    if (untracedSeconds(bench) > 0)
      results.untraced = await phase(
        results,
        '6c latency, tracing off and on again',
        () => untracedPhase(bench),
        bench,
      );
  }

  await bench.close();
  writeFileSync(join(bench.runDir, 'results.json'), JSON.stringify(results, null, 2));
  console.log(`\n${'='.repeat(100)}\n${report(results, (phase) => bench.wants(phase))}\n${'='.repeat(100)}`);
  console.log(`details: ${join(bench.runDir, 'results.json')}`);
  if (Object.keys(results.failures).length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
