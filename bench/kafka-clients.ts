/**
 * Kafka client candidates side by side, with Switchboard's real message shape (bench/kafka-clients.sh):
 * `@platformatic/kafka` (pure TypeScript, this repository's node_modules) and
 * `@confluentinc/kafka-javascript` (librdkafka, through its KafkaJS-compatible promise API), loaded from
 * CONFLUENT_KAFKA_PATH (bench/kafka-clients.sh installs it under .stack/bench/confluent with CONFLUENT_INSTALL=1).
 * It is never a dependency of this repository: when it is not installed there, that client is
 * skipped with a line saying so.
 *
 * For each client, against the same broker, in the same run:
 * - produce: MESSAGES (default 100000) `deal_won` CloudEvents (~1.1 KB JSON body built by
 *   buildCloudEvent, string key = deal id over KEYS distinct deals, the outbox's binary-mode headers
 *   content-type, ce_id, ce_type, ce_source, ce_specversion, traceparent) sent the way the outbox
 *   relay does: BATCH_SIZE (500) messages per send, each send awaited before the next. Idempotent
 *   producer, acks=all, no compression, Java-compatible murmur2 partitioner.
 * - consume: a fresh consumer group reads the topic from the beginning, no auto-commit; after each
 *   batch (per partition) the offset after its last message is committed and awaited, as the
 *   inbox consumers do. GROUP_PROTOCOL=consumer (KIP-848, default) or classic.
 * Every client/phase runs in a child process of its own, so CPU (process.cpuUsage, all threads,
 * librdkafka's included) and peak RSS (getrusage maxrss) belong to that client and phase only.
 * Each client writes to a topic of its own (PARTITIONS=6), created fresh with a unique name and
 * deleted at the end together with the consumer groups.
 *
 * Knobs: KAFKA_BROKERS=127.0.0.1:9092 MESSAGES=100000 BATCH_SIZE=500 KEYS=20000 PARTITIONS=6
 * GROUP_PROTOCOL=consumer CLIENTS="platformatic confluent" CONFLUENT_MAX_BATCH=1000
 * (js.consumer.max.batch.size; the library's own default is 32) CONFLUENT_LINGER_MS (unset: the
 * librdkafka default, 5 ms) CONSUME_TIMEOUT_S=300 KEEP_TOPICS=1 (do not delete topics/groups).
 */
import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';

import {
  Admin,
  compatibilityPartitioner,
  CompressionAlgorithms,
  Consumer,
  GroupProtocols,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  ProduceAcks,
  Producer,
  stringDeserializer,
  stringSerializers,
  type Message,
} from '@platformatic/kafka';
import { buildCloudEvent } from '@switchboard/contracts';
import { sampleDeal } from '@switchboard/testing';

type ClientName = 'platformatic' | 'confluent';
type Phase = 'produce' | 'consume';

const env = process.env;
const BROKERS = (env.KAFKA_BROKERS ?? '127.0.0.1:9092')
  .split(',')
  .map((broker) => broker.trim())
  .filter(Boolean);
const MESSAGES = positiveInt('MESSAGES', 100_000);
const BATCH_SIZE = positiveInt('BATCH_SIZE', 500);
const KEYS = positiveInt('KEYS', 20_000);
const PARTITIONS = positiveInt('PARTITIONS', 6);
const GROUP_PROTOCOL = (env.GROUP_PROTOCOL ?? 'consumer').trim().toLowerCase();
const CONFLUENT_MAX_BATCH = Number(env.CONFLUENT_MAX_BATCH ?? 1000);
const CONSUME_TIMEOUT_MS = positiveInt('CONSUME_TIMEOUT_S', 300) * 1000;
const CONFLUENT_PATH =
  env.CONFLUENT_KAFKA_PATH ?? '.stack/bench/confluent/node_modules/@confluentinc/kafka-javascript';

/** What one child process reports for one client and phase. */
interface PhaseResult {
  client: ClientName;
  phase: Phase;
  messages: number;
  seconds: number;
  eventsPerSecond: number;
  cpuMs: number;
  cpuMsPerMessage: number;
  peakRssMb: number;
  /** Produce: sends; consume: commits (one per partition batch). */
  requests: number;
  /** Consume: subscribe until the first message (group join and first fetch), not in `seconds`. */
  firstMessageMs?: number;
  /** The machine during the phase, as seen from the child: all cores busy %, this process's share. */
  machineBusyPercent: number;
  version: string;
  notes: string;
}

// ---------------------------------------------------------------------------------------------
// The message: what the outbox relay hands the producer for one deal_won.

const ID_PLACEHOLDER = '00000000-0000-4000-8000-000000000000';
const DEAL_PLACEHOLDER = 'D-PLACEHOLDER';
const TRACE_PLACEHOLDER = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_PLACEHOLDER = '00f067aa0ba902b7';

interface OutgoingMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * Messages i..i+count-1: the template event of buildCloudEvent with a fresh event id, deal id and
 * trace context spliced in (string replacement, as bench/phases/relay.ts does), so building them costs
 * the same small amount in every client's measurement (see the `message build` line).
 */
function messageFactory(): (index: number) => OutgoingMessage {
  const event = buildCloudEvent({
    id: ID_PLACEHOLDER,
    source: 'crm',
    type: 'deal_won',
    data: sampleDeal({ dealId: DEAL_PLACEHOLDER }),
    traceparent: `00-${TRACE_PLACEHOLDER}-${SPAN_PLACEHOLDER}-01`,
  });
  const parts = JSON.stringify(event).split(DEAL_PLACEHOLDER);
  const [idHead, idTail] = splitOnce(parts[0], ID_PLACEHOLDER);
  const rest = parts.slice(1);
  const run = process.pid.toString(16).padStart(8, '0');
  return (index) => {
    const n = index.toString(16).padStart(12, '0');
    const id = `${run}-0000-4000-8000-${n}`;
    const deal = `D-2026-${String(index % KEYS).padStart(6, '0')}`;
    const trace = `${run}${n}${'0'.repeat(12)}`;
    const span = `${n.slice(-8)}${run}`;
    const traceparent = `00-${trace}-${span}-01`;
    const value = (idHead + id + idTail + [''].concat(rest).join(deal)).replace(TRACE_PLACEHOLDER, trace);
    return {
      key: deal,
      value,
      // OutboxWriter's headers plus the traceparent of the relay's publish span.
      headers: {
        'content-type': 'application/cloudevents+json; charset=utf-8',
        ce_id: id,
        ce_type: 'deal_won',
        ce_source: 'crm',
        ce_specversion: '1.0',
        traceparent,
      },
    };
  };
}

function splitOnce(text: string, marker: string): [string, string] {
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`template lacks ${marker}`);
  return [text.slice(0, at), text.slice(at + marker.length)];
}

// ---------------------------------------------------------------------------------------------
// Measuring

class Meter {
  private cpu = process.cpuUsage();
  private started = performance.now();
  private stat = procStat();

  restart(): void {
    this.cpu = process.cpuUsage();
    this.started = performance.now();
    this.stat = procStat();
  }

  finish(
    base: Pick<PhaseResult, 'client' | 'phase' | 'messages' | 'requests' | 'version' | 'notes'>,
  ): PhaseResult {
    const seconds = (performance.now() - this.started) / 1000;
    const cpu = process.cpuUsage(this.cpu);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const stat = procStat();
    const total = stat.total - this.stat.total;
    const busy = total - (stat.idle - this.stat.idle);
    return {
      ...base,
      seconds: round(seconds, 2),
      eventsPerSecond: Math.round(base.messages / seconds),
      cpuMs: Math.round(cpuMs),
      cpuMsPerMessage: round(cpuMs / base.messages, 4),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      machineBusyPercent: total > 0 ? Math.round((100 * busy) / total) : 0,
    };
  }
}

/** Jiffies of all cores from /proc/stat (zeros elsewhere). */
function procStat(): { total: number; idle: number } {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    return { total: fields.reduce((a, b) => a + b, 0), idle: fields[3] + fields[4] };
  } catch {
    return { total: 0, idle: 0 };
  }
}

// ---------------------------------------------------------------------------------------------
// @platformatic/kafka

function platformaticVersion(): string {
  // dist/bench/kafka-clients.js -> the repository's node_modules (the package exports no package.json).
  const pkg = JSON.parse(
    readFileSync(join(__dirname, '../../node_modules/@platformatic/kafka/package.json'), 'utf8'),
  ) as { version: string };
  return pkg.version;
}

async function platformaticProduce(topic: string): Promise<PhaseResult> {
  const build = messageFactory();
  const producer = new Producer({
    clientId: 'bench-kafka-clients',
    bootstrapBrokers: BROKERS,
    idempotent: true,
    acks: ProduceAcks.ALL,
    autocreateTopics: false,
    compression: CompressionAlgorithms.NONE,
    partitioner: compatibilityPartitioner,
    serializers: stringSerializers,
  });
  await producer.metadata({ topics: [topic] });
  const meter = new Meter();
  let sends = 0;
  for (let sent = 0; sent < MESSAGES; sent += BATCH_SIZE) {
    const count = Math.min(BATCH_SIZE, MESSAGES - sent);
    const messages = new Array<{ topic: string; key: string; value: string; headers: Map<string, string> }>(
      count,
    );
    for (let i = 0; i < count; i += 1) {
      const { key, value, headers } = build(sent + i);
      messages[i] = { topic, key, value, headers: new Map(Object.entries(headers)) };
    }
    await producer.send({ messages });
    sends += 1;
  }
  const result = meter.finish({
    client: 'platformatic',
    phase: 'produce',
    messages: MESSAGES,
    requests: sends,
    version: platformaticVersion(),
    notes: 'idempotent, acks=-1, compatibilityPartitioner, no compression',
  });
  await producer.close();
  return result;
}

type PlatformaticMessage = Message<string, Buffer, string, string>;

async function platformaticConsume(topic: string, groupId: string): Promise<PhaseResult> {
  const group =
    GROUP_PROTOCOL === 'classic'
      ? { groupProtocol: GroupProtocols.CLASSIC, sessionTimeout: 30_000, heartbeatInterval: 3_000 }
      : { groupProtocol: GroupProtocols.CONSUMER };
  const consumer = new Consumer({
    clientId: 'bench-kafka-clients',
    bootstrapBrokers: BROKERS,
    ...group,
    groupId,
    autocommit: false,
    maxBytesPerPartition: 1_048_576,
    maxWaitTime: 500,
    deserializers: {
      key: stringDeserializer,
      headerKey: stringDeserializer,
      headerValue: stringDeserializer,
    },
  });
  await consumer.metadata({ topics: [topic] });
  const subscribed = performance.now();
  const meter = new Meter();
  let firstMessageMs: number | undefined;
  let received = 0;
  let handled = 0;
  let commits = 0;
  let checksum = 0;
  const pending = new Map<number, PlatformaticMessage[]>();
  let draining = false;
  let scheduled = false;
  let done!: () => void;
  let failed!: (error: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });

  const stream = await consumer.consume({
    topics: [topic],
    mode: MessagesStreamModes.COMMITTED,
    fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    autocommit: false,
  });
  // One batch per partition of what arrived in a tick; handled, then its last offset committed.
  const drain = async (): Promise<void> => {
    if (draining) return;
    draining = true;
    try {
      while (pending.size > 0) {
        const batches = [...pending.values()];
        pending.clear();
        await Promise.all(
          batches.map(async (batch) => {
            for (const message of batch) checksum += handle(message.value, message.headers.get('ce_type'));
            await batch[batch.length - 1].commit();
            commits += 1;
            handled += batch.length;
          }),
        );
        if (received - handled < 20_000) stream.resume();
      }
      if (handled >= MESSAGES) done();
    } catch (error) {
      failed(error);
    } finally {
      draining = false;
    }
  };
  stream.on('data', (message: PlatformaticMessage) => {
    if (firstMessageMs === undefined) {
      firstMessageMs = performance.now() - subscribed;
      meter.restart();
    }
    received += 1;
    let batch = pending.get(message.partition);
    if (!batch) pending.set(message.partition, (batch = []));
    batch.push(message);
    if (received - handled >= 20_000) stream.pause();
    if (!scheduled) {
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        void drain();
      });
    }
  });
  stream.on('error', failed);
  await withTimeout(finished, CONSUME_TIMEOUT_MS, () => `consumed ${handled} of ${MESSAGES}`);
  const result = meter.finish({
    client: 'platformatic',
    phase: 'consume',
    messages: handled,
    requests: commits,
    version: platformaticVersion(),
    notes: `group.protocol=${GROUP_PROTOCOL}, stream + message.commit() per partition batch (checksum ${checksum})`,
  });
  result.firstMessageMs = Math.round(firstMessageMs ?? 0);
  await stream.close();
  await consumer.close(true);
  return result;
}

/** What a consumer does with every message at the least: read the body and route on a header. */
function handle(value: Buffer | string | null | undefined, type: string | undefined): number {
  return (value ? value.length : 0) + (type === 'deal_won' ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------
// @confluentinc/kafka-javascript, KafkaJS-compatible API (typed here: it is not a dependency)

interface ConfluentHeaders {
  [name: string]: Buffer | string | (Buffer | string)[] | undefined;
}
interface ConfluentMessage {
  key: Buffer | null;
  value: Buffer | null;
  offset: string;
  headers?: ConfluentHeaders;
}
interface ConfluentBatchPayload {
  batch: { topic: string; partition: number; messages: ConfluentMessage[] };
}
interface ConfluentProducer {
  connect(): Promise<void>;
  send(record: { topic: string; messages: OutgoingMessage[] }): Promise<unknown>;
  disconnect(): Promise<void>;
}
interface ConfluentConsumer {
  connect(): Promise<void>;
  subscribe(subscription: { topics: string[] }): Promise<void>;
  run(config: {
    partitionsConsumedConcurrently?: number;
    eachBatch: (payload: ConfluentBatchPayload) => Promise<void>;
  }): Promise<void>;
  commitOffsets(offsets: Array<{ topic: string; partition: number; offset: string }>): Promise<void>;
  disconnect(): Promise<void>;
}
interface ConfluentKafka {
  producer(config: Record<string, unknown>): ConfluentProducer;
  consumer(config: Record<string, unknown>): ConfluentConsumer;
}
interface ConfluentModule {
  KafkaJS: {
    Kafka: new (config: Record<string, unknown>) => ConfluentKafka;
    CompressionTypes: Record<string, unknown>;
    logLevel: Record<string, number>;
  };
  librdkafkaVersion: string;
  features: string[];
}

function loadConfluent(): ConfluentModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(CONFLUENT_PATH) as ConfluentModule;
}

function confluentVersion(module: ConfluentModule): string {
  const pkg = JSON.parse(readFileSync(join(CONFLUENT_PATH, 'package.json'), 'utf8')) as { version: string };
  return `${pkg.version} (librdkafka ${module.librdkafkaVersion})`;
}

function confluentKafka(module: ConfluentModule): ConfluentKafka {
  return new module.KafkaJS.Kafka({
    kafkaJS: { clientId: 'bench-kafka-clients', brokers: BROKERS, logLevel: module.KafkaJS.logLevel.WARN },
  });
}

async function confluentProduce(topic: string): Promise<PhaseResult> {
  const module = loadConfluent();
  const build = messageFactory();
  const extra: Record<string, unknown> = {};
  if (env.CONFLUENT_LINGER_MS) extra['linger.ms'] = Number(env.CONFLUENT_LINGER_MS);
  const producer = confluentKafka(module).producer({
    ...extra,
    // The KafkaJS layer's default, stated: murmur2 like the Java client (random partition when keyless).
    partitioner: 'murmur2_random',
    // `None`, not the `NONE` of MIGRATION.md (undefined there, which librdkafka rejects).
    kafkaJS: { idempotent: true, acks: -1, compression: module.KafkaJS.CompressionTypes.None },
  });
  await producer.connect();
  const meter = new Meter();
  let sends = 0;
  for (let sent = 0; sent < MESSAGES; sent += BATCH_SIZE) {
    const count = Math.min(BATCH_SIZE, MESSAGES - sent);
    const messages = new Array<OutgoingMessage>(count);
    for (let i = 0; i < count; i += 1) messages[i] = build(sent + i);
    await producer.send({ topic, messages });
    sends += 1;
  }
  const result = meter.finish({
    client: 'confluent',
    phase: 'produce',
    messages: MESSAGES,
    requests: sends,
    version: confluentVersion(module),
    notes: `KafkaJS API, idempotent, acks=-1, murmur2_random, no compression, linger.ms=${env.CONFLUENT_LINGER_MS ?? 'default (5)'}`,
  });
  await producer.disconnect();
  return result;
}

async function confluentConsume(topic: string, groupId: string): Promise<PhaseResult> {
  const module = loadConfluent();
  const consumer = confluentKafka(module).consumer({
    'group.protocol': GROUP_PROTOCOL,
    'js.consumer.max.batch.size': CONFLUENT_MAX_BATCH,
    kafkaJS: { groupId, fromBeginning: true, autoCommit: false, maxBytesPerPartition: 1_048_576 },
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic] });
  const subscribed = performance.now();
  const meter = new Meter();
  let firstMessageMs: number | undefined;
  let handled = 0;
  let commits = 0;
  let checksum = 0;
  let done!: () => void;
  let failed!: (error: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  consumer
    .run({
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch }) => {
        if (firstMessageMs === undefined) {
          firstMessageMs = performance.now() - subscribed;
          meter.restart();
        }
        const messages = batch.messages;
        if (messages.length === 0) return;
        for (const message of messages) {
          const type = message.headers?.ce_type;
          checksum += handle(message.value, type === undefined ? undefined : String(type));
        }
        const last = messages[messages.length - 1];
        await consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
        ]);
        commits += 1;
        handled += messages.length;
        if (handled >= MESSAGES) done();
      },
    })
    .catch(failed);
  await withTimeout(finished, CONSUME_TIMEOUT_MS, () => `consumed ${handled} of ${MESSAGES}`);
  const result = meter.finish({
    client: 'confluent',
    phase: 'consume',
    messages: handled,
    requests: commits,
    version: confluentVersion(module),
    notes: `KafkaJS API, group.protocol=${GROUP_PROTOCOL}, eachBatch (js.consumer.max.batch.size=${CONFLUENT_MAX_BATCH}, 3 partitions concurrently) + commitOffsets per batch (checksum ${checksum})`,
  });
  result.firstMessageMs = Math.round(firstMessageMs ?? 0);
  await consumer.disconnect();
  return result;
}

// ---------------------------------------------------------------------------------------------
// The message build alone (no client), to subtract from the produce CPU if wanted.

function buildOnly(): {
  cpuMsPerMessage: number;
  valueBytes: number;
  headerBytes: number;
  keyExample: string;
} {
  const build = messageFactory();
  const sample = build(1);
  const started = process.cpuUsage();
  let bytes = 0;
  for (let i = 0; i < MESSAGES; i += 1) {
    const message = build(i);
    bytes += message.value.length + new Map(Object.entries(message.headers)).size;
  }
  const cpu = process.cpuUsage(started);
  if (bytes < 0) throw new Error('unreachable');
  return {
    cpuMsPerMessage: round((cpu.user + cpu.system) / 1000 / MESSAGES, 4),
    valueBytes: Buffer.byteLength(sample.value),
    headerBytes: Object.entries(sample.headers).reduce((sum, [k, v]) => sum + k.length + v.length, 0),
    keyExample: sample.key,
  };
}

// ---------------------------------------------------------------------------------------------
// Orchestration

async function child(client: ClientName, phase: Phase, topic: string, groupId: string): Promise<void> {
  const run =
    client === 'platformatic'
      ? phase === 'produce'
        ? () => platformaticProduce(topic)
        : () => platformaticConsume(topic, groupId)
      : phase === 'produce'
        ? () => confluentProduce(topic)
        : () => confluentConsume(topic, groupId);
  const result = await run();
  await new Promise<void>((resolve) =>
    process.send ? process.send({ result }, () => resolve()) : resolve(),
  );
}

function runChild(client: ClientName, phase: Phase, topic: string, groupId: string): Promise<PhaseResult> {
  return new Promise((resolve, reject) => {
    const worker = fork(__filename, ['child', client, phase, topic, groupId], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: PhaseResult | undefined;
    worker.on('message', (message: { result?: PhaseResult }) => (result = message.result ?? result));
    worker.on('error', reject);
    worker.on('exit', (code, signal) => {
      if (result) resolve(result);
      else reject(new Error(`${client} ${phase} exited with ${signal ?? code} and no result`));
    });
  });
}

/** Why the confluent client cannot be used here, or null when it loads. */
function confluentUnavailable(): string | null {
  if (!existsSync(join(CONFLUENT_PATH, 'package.json'))) {
    return `not installed at ${CONFLUENT_PATH} (set CONFLUENT_KAFKA_PATH)`;
  }
  try {
    loadConfluent();
    return null;
  } catch (error) {
    return `installed at ${CONFLUENT_PATH} but does not load: ${String(error).split('\n')[0]}`;
  }
}

async function main(): Promise<void> {
  const clients = (env.CLIENTS ?? 'platformatic confluent').split(/[\s,]+/).filter(Boolean) as ClientName[];
  for (const client of clients) {
    if (client !== 'platformatic' && client !== 'confluent')
      throw new Error(`unknown client ${String(client)}`);
  }
  if (GROUP_PROTOCOL !== 'consumer' && GROUP_PROTOCOL !== 'classic') {
    throw new Error('GROUP_PROTOCOL must be consumer or classic');
  }
  const runId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${process.pid}`;
  const build = buildOnly();
  console.log(
    `kafka-clients: run ${runId}, brokers ${BROKERS.join(',')}, node ${process.version}, ${cpus().length} cores, ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  console.log(
    `kafka-clients: ${MESSAGES} messages per client: value ${build.valueBytes} B (deal_won CloudEvent JSON), ` +
      `key like ${build.keyExample} (${Math.min(KEYS, MESSAGES)} distinct), 6 headers ${build.headerBytes} B; ` +
      `${BATCH_SIZE} per awaited send; ${PARTITIONS} partitions; group.protocol=${GROUP_PROTOCOL}`,
  );
  console.log(
    `kafka-clients: message build alone: ${build.cpuMsPerMessage} CPU ms/msg (included in produce CPU)`,
  );

  const admin = new Admin({ clientId: 'bench-kafka-clients-admin', bootstrapBrokers: BROKERS });
  const topics: string[] = [];
  const groups: string[] = [];
  const results: PhaseResult[] = [];
  const skipped: string[] = [];
  try {
    for (const client of clients) {
      if (client === 'confluent') {
        const why = confluentUnavailable();
        if (why) {
          const line = `confluent: SKIPPED, @confluentinc/kafka-javascript ${why}`;
          console.log(`kafka-clients: ${line}`);
          skipped.push(line);
          continue;
        }
      }
      const topic = `bench.kafka-clients.${runId}.${client}`;
      const groupId = `bench-kafka-clients-${runId}-${client}`;
      await admin.createTopics({ topics: [topic], partitions: PARTITIONS });
      topics.push(topic);
      for (const phase of ['produce', 'consume'] as const) {
        console.log(`kafka-clients: ${client} ${phase} (load average ${loadavg()[0].toFixed(2)}) ...`);
        if (phase === 'consume') groups.push(groupId);
        try {
          const result = await runChild(client, phase, topic, groupId);
          results.push(result);
          console.log(`kafka-clients: ${JSON.stringify(result)}`);
        } catch (error) {
          const line = `${client}: ${phase} FAILED (${String(error)}); see the output above`;
          console.log(`kafka-clients: ${line}`);
          skipped.push(line);
          break;
        }
      }
    }
  } finally {
    if (env.KEEP_TOPICS !== '1') {
      if (groups.length > 0) await admin.deleteGroups({ groups }).catch((e: unknown) => warn('groups', e));
      if (topics.length > 0) await admin.deleteTopics({ topics }).catch((e: unknown) => warn('topics', e));
      if (topics.length > 0)
        console.log(`kafka-clients: deleted topics ${topics.join(', ')} and their groups`);
    }
    await admin.close();
  }
  printTable(results, skipped);
}

function printTable(results: PhaseResult[], skipped: string[]): void {
  const byClient = new Map<ClientName, Partial<Record<Phase, PhaseResult>>>();
  for (const result of results) {
    byClient.set(result.client, { ...byClient.get(result.client), [result.phase]: result });
  }
  const rows = [
    [
      'client',
      'produce ev/s',
      'produce CPU ms/msg',
      'consume ev/s',
      'consume CPU ms/msg',
      'peak RSS MB (p/c)',
      'version',
    ],
  ];
  for (const [client, phases] of byClient) {
    const p = phases.produce;
    const c = phases.consume;
    rows.push([
      client,
      p ? String(p.eventsPerSecond) : '-',
      p ? p.cpuMsPerMessage.toFixed(4) : '-',
      c ? String(c.eventsPerSecond) : '-',
      c ? c.cpuMsPerMessage.toFixed(4) : '-',
      `${p?.peakRssMb ?? '-'} / ${c?.peakRssMb ?? '-'}`,
      (p ?? c)?.version ?? '',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  console.log('');
  for (const [index, row] of rows.entries()) {
    console.log(
      row
        .map((cell, i) => (i === 0 || i === 6 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
        .join('  '),
    );
    if (index === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  for (const line of skipped) console.log(line);
  console.log(
    '\nCPU is the whole client process (all threads) during the timed part; produce includes building the messages.',
  );
  for (const r of results) {
    const extra =
      r.phase === 'consume'
        ? `, ${r.requests} commits, first message after ${r.firstMessageMs} ms`
        : `, ${r.requests} sends`;
    console.log(
      `  ${r.client} ${r.phase}: ${r.messages} in ${r.seconds} s${extra}, machine ${r.machineBusyPercent}% busy; ${r.notes}`,
    );
  }
}

function warn(what: string, error: unknown): void {
  console.log(`kafka-clients: WARNING: deleting ${what} failed: ${String(error)}`);
}

function withTimeout<T>(promise: Promise<T>, ms: number, progress: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${progress()}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function positiveInt(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

const [mode, client, phase, topic, groupId] = process.argv.slice(2);
const entry =
  mode === 'child'
    ? child(client as ClientName, phase as Phase, topic, groupId).then(() => process.exit(0))
    : main();
entry.catch((error: unknown) => {
  console.error('kafka-clients: FAILED', error);
  process.exit(1);
});
