import { randomUUID } from 'node:crypto';

import { Client } from 'pg';

import { Topic, buildCloudEvent } from '@switchboard/contracts';
import {
  KafkaPublisher,
  ensureTopics,
  kafkaConnectionFromEnv,
  type MessagePublisher,
  type OutboundMessage,
} from '@switchboard/kafka';
import { OutboxRelay, OutboxWriter, type OutboxRecord } from '@switchboard/outbox';
import { PreparingClient } from '@switchboard/platform';
import { sampleDeal } from '@switchboard/testing';

import { Bench, log, sleep } from '../support/bench-context';
import { cpuPerEvent, formatCpu, formatPerEvent, type CpuReport } from '../support/cpu';
import { countSince, endOffsets, type PartitionOffset } from '../support/kafka-groups';
import { recordingManager } from '../support/recording-manager';

const ID = '00000000-0000-4000-8000-000000000000';
const DEAL = 'D-PLACEHOLDER';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

export interface Timing {
  count: number;
  totalMs: number;
  maxMs: number;
}

export interface RelayResult {
  rows: number;
  batchSize: number;
  payloadBytes: number;
  insertSeconds: number;
  drainSeconds: number;
  eventsPerSecond: number;
  /** On the Kafka topic afterwards: what the consumer phase reads. */
  topic: string;
  fromOffsets: PartitionOffset[];
  appendedToTopic: number;
  batches: number;
  /** Per batch, measured in this process around the relay's own calls. */
  selectMs: Timing;
  publishMs: Timing;
  updateMs: Timing;
  /** The SELECT of the first and the last 10 % of batches: does the backlog query slow down? */
  selectFirstMs: number;
  selectLastMs: number;
  /** The same messages through KafkaPublisher alone (no database), same batch size: the client's ceiling. */
  publisherOnly: { eventsPerSecond: number; batchMs: number; cpu: CpuReport };
  cpu: CpuReport;
  cpuMsPerEvent: Record<string, number>;
}

/** The outbox row ingest writes for one deal_won, with placeholders for the event id and deal id. */
async function templateRecord(): Promise<OutboxRecord> {
  const event = buildCloudEvent({
    id: ID,
    source: 'crm',
    type: 'deal_won',
    data: sampleDeal({ dealId: DEAL }),
    traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
  });
  // OutboxWriter decides topic, key and headers; capture the row it would insert.
  const { manager, statements } = recordingManager(() => [{ id: ID }]);
  await new OutboxWriter('ingest').enqueueEvents(manager, [event]);
  const [id, topic, key, type, payload, headers] = statements[0].params as string[];
  return {
    id: id,
    topic: topic,
    key: key,
    type: type,
    payload: payload,
    headers: JSON.parse(headers) as Record<string, string>,
  };
}

function timing(): Timing {
  return { count: 0, totalMs: 0, maxMs: 0 };
}

function record(target: Timing, ms: number): void {
  target.count += 1;
  target.totalMs += ms;
  target.maxMs = Math.max(target.maxMs, ms);
}

/** Times every publish() of the real KafkaPublisher. */
class TimedPublisher implements MessagePublisher {
  readonly publishMs = timing();

  constructor(private readonly inner: MessagePublisher) {}

  connect(): Promise<void> {
    return this.inner.connect();
  }

  async publish(messages: OutboundMessage[]): Promise<void> {
    const started = performance.now();
    await this.inner.publish(messages);
    record(this.publishMs, performance.now() - started);
  }

  disconnect(): Promise<void> {
    return this.inner.disconnect();
  }
}

/**
 * Times the relay's SQL without touching the library: wraps pg's Client.prototype.query in this
 * process (only the relay talks to the outbox here) for statements on outbox_message.
 */
function instrumentOutboxQueries(
  onQuery: (kind: 'select' | 'update' | 'other', ms: number) => void,
): () => void {
  const proto = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]): unknown {
    // Text and values, or (a prepared statement) a config object with its text.
    const [first] = args;
    const text = typeof first === 'string' ? first : ((first as { text?: string } | null)?.text ?? '');
    const started = performance.now();
    const result = original.apply(this, args);
    if (text.includes('outbox_message') && result instanceof Promise) {
      const kind = /^\s*SELECT/i.test(text) ? 'select' : /^\s*UPDATE/i.test(text) ? 'update' : 'other';
      void result.then(
        () => onQuery(kind, performance.now() - started),
        () => undefined,
      );
    }
    return result;
  };
  return () => {
    proto.query = original;
  };
}

/**
 * The Kafka half of the relay on its own: the same kind of messages (topic key, headers, ~1 KB
 * CloudEvent) through the library's KafkaPublisher in batches of `batchSize`, no database.
 */
async function publisherOnly(
  bench: Bench,
  template: OutboxRecord,
  rows: number,
  batchSize: number,
): Promise<RelayResult['publisherOnly']> {
  const topic = 'bench.publisher-only';
  const connection = kafkaConnectionFromEnv('bench-publisher-only', bench.env);
  await ensureTopics(connection, [{ name: topic, partitions: bench.number('TOPIC_PARTITIONS', 6) }]);
  const publisher = new KafkaPublisher(connection);
  await publisher.connect();
  const message = (n: number): OutboundMessage => {
    const deal = `D-P${bench.tag}-${n}`;
    const id = randomUUID();
    const fill = (text: string) =>
      text.replaceAll(ID, id).replaceAll(DEAL, deal).replaceAll(DEAL.toLowerCase(), deal.toLowerCase());
    const headers = Object.fromEntries(
      Object.entries(template.headers).map(([key, value]) => [key, fill(value)]),
    );
    return { topic, key: fill(template.key), value: fill(template.payload), headers };
  };
  const cpuWindow = bench.cpu([], 'bench (KafkaPublisher)').start();
  const started = performance.now();
  let batches = 0;
  for (let first = 0; first < rows; first += batchSize) {
    const batch: OutboundMessage[] = [];
    for (let n = first; n < Math.min(rows, first + batchSize); n++) batch.push(message(n));
    await publisher.publish(batch);
    batches++;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuWindow.stop();
  await publisher.disconnect();
  return { eventsPerSecond: rows / seconds, batchMs: (1000 * seconds) / batches, cpu };
}

/**
 * A backlog of RELAY_ROWS deal_won outbox rows (realistic ~1 KB CloudEvents from buildCloudEvent +
 * sampleDeal, one distinct event and deal per row) in ingest's outbox, drained by the library's own
 * OutboxRelay + KafkaPublisher in this process (ingest is stopped, so this relay holds the lock).
 * Timed from relay start until every row has published_at.
 */
export async function relayPhase(bench: Bench): Promise<RelayResult> {
  const rows = bench.number('RELAY_ROWS', 100_000);
  const batchSize = bench.number('OUTBOX_BATCH_SIZE', 2_000);
  const template = await templateRecord();
  const topic = template.topic;
  if (topic !== Topic.deal_won) throw new Error(`unexpected outbox topic ${topic}`);
  const baseline = await publisherOnly(bench, template, rows, batchSize);
  log(
    `relay: KafkaPublisher alone (no database): ${rows} messages in batches of ${batchSize} at ` +
      `${baseline.eventsPerSecond.toFixed(0)} events/s (${baseline.batchMs.toFixed(0)} ms per batch, building the messages included)`,
  );
  log(`relay: KafkaPublisher alone: ${formatCpu(baseline.cpu)}`);
  const fromOffsets = await endOffsets(bench.brokers, topic);
  const dealPrefix = `D-R${bench.tag}-`;

  // Rows generated server-side from the template: a new uuid per event, a new deal (and thus a new
  // account and contact) per row, a trace id per event. The same replacements go into key and headers.
  const insertStarted = performance.now();
  await bench.query(
    `INSERT INTO ingest.outbox_message (id, topic, message_key, event_type, payload, headers)
     SELECT g.id, $1, replace($2, $7, g.deal), $3,
            replace(replace(replace(replace($4, $6, g.id::text), $7, g.deal), lower($7), lower(g.deal)), $8, md5(g.id::text)),
            replace(replace(replace($5, $6, g.id::text), $7, g.deal), $8, md5(g.id::text))::jsonb
     FROM (SELECT gen_random_uuid() AS id, $9 || n AS deal FROM generate_series(1, $10::int) AS n) AS g`,
    [
      topic,
      template.key,
      template.type,
      template.payload,
      JSON.stringify(template.headers),
      ID,
      DEAL,
      TRACE_ID,
      dealPrefix,
      rows,
    ],
  );
  await bench.query('ANALYZE ingest.outbox_message');
  const insertSeconds = (performance.now() - insertStarted) / 1000;
  const [pending] = await bench.query<{ n: string; bytes: string }>(
    `SELECT count(*) AS n, avg(octet_length(payload))::int AS bytes FROM ingest.outbox_message WHERE published_at IS NULL`,
  );
  const backlog = Number(pending?.n ?? 0);
  log(
    `relay: ${rows} outbox rows inserted in ${insertSeconds.toFixed(1)} s (backlog ${backlog}, payload ~${pending?.bytes} B); draining`,
  );

  const selectMs = timing();
  const updateMs = timing();
  const selects: number[] = [];
  const restore = instrumentOutboxQueries((kind, ms) => {
    if (kind === 'select') {
      record(selectMs, ms);
      selects.push(ms);
    } else if (kind === 'update') record(updateMs, ms);
  });
  const publisher = new TimedPublisher(new KafkaPublisher(kafkaConnectionFromEnv('bench-relay', bench.env)));
  const problems: string[] = [];
  let published = 0;
  let drained: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (drained = resolve));
  const relay = new OutboxRelay({
    schema: 'ingest',
    databaseUrl: bench.databaseUrl,
    // The client the services' relays use (DATABASE_PREPARED_STATEMENTS, on by default).
    clientClass: bench.env.DATABASE_PREPARED_STATEMENTS === 'false' ? undefined : PreparingClient,
    publisher,
    batchSize,
    pollIntervalMs: 1_000,
    logger: {
      info: () => undefined,
      warn: (message, fields) => problems.push(`${message} ${JSON.stringify(fields)}`),
      error: (message, fields) => problems.push(`${message} ${JSON.stringify(fields)}`),
    },
    onPublished: (messages) => {
      published += messages.length;
      if (published >= backlog) drained();
    },
  });

  const cpuWindow = bench.cpu([], 'bench (the relay)').start();
  const started = performance.now();
  relay.start();
  const timeoutMs = 180_000;
  const timedOut = await Promise.race([done.then(() => false), sleep(timeoutMs).then(() => true)]);
  const drainSeconds = (performance.now() - started) / 1000;
  const cpu = cpuWindow.stop();
  await relay.stop();
  restore();
  if (timedOut)
    throw new Error(
      `relay did not drain ${backlog} rows within ${timeoutMs / 1000} s (published ${published}); ${problems.join('; ')}`,
    );
  if (problems.length > 0) log(`relay: logged problems: ${problems.slice(0, 5).join('; ')}`);

  const [check] = await bench.query<{ total: string; unpublished: string }>(
    `SELECT count(*) AS total, count(*) FILTER (WHERE published_at IS NULL) AS unpublished
     FROM ingest.outbox_message WHERE message_key LIKE $1`,
    [`${dealPrefix}%`],
  );
  if (Number(check?.total) !== rows || Number(check?.unpublished) !== 0) {
    throw new Error(`relay check failed: ${JSON.stringify(check)} (expected ${rows} rows, all published)`);
  }
  const appendedToTopic = countSince(fromOffsets, await endOffsets(bench.brokers, topic));
  const tenth = Math.max(1, Math.floor(selects.length / 10));
  const avg = (values: number[]) =>
    values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  const result: RelayResult = {
    rows,
    batchSize,
    payloadBytes: Number(pending?.bytes ?? 0),
    insertSeconds,
    drainSeconds,
    eventsPerSecond: rows / drainSeconds,
    topic,
    fromOffsets,
    appendedToTopic,
    batches: publisher.publishMs.count,
    selectMs,
    publishMs: publisher.publishMs,
    updateMs,
    selectFirstMs: avg(selects.slice(0, tenth)),
    selectLastMs: avg(selects.slice(-tenth - 1, -1)), // the very last SELECT finds nothing
    publisherOnly: baseline,
    cpu,
    cpuMsPerEvent: cpuPerEvent(cpu, rows / drainSeconds),
  };
  const per = (t: Timing) =>
    `${(t.totalMs / Math.max(1, t.count)).toFixed(1)} ms (max ${t.maxMs.toFixed(0)})`;
  log(
    `relay: ${rows} rows drained in ${drainSeconds.toFixed(2)} s = ${result.eventsPerSecond.toFixed(0)} events/s ` +
      `(${result.batches} batches of ${batchSize}; ${appendedToTopic} messages appended to ${topic})`,
  );
  log(
    `relay: per batch SELECT ${per(selectMs)}, publish ${per(publisher.publishMs)}, UPDATE ${per(updateMs)}; ` +
      `SELECT first 10% ${result.selectFirstMs.toFixed(1)} ms, last 10% ${result.selectLastMs.toFixed(1)} ms`,
  );
  log(`relay: ${formatCpu(cpu)}`);
  log(`relay: ${formatPerEvent(result.cpuMsPerEvent)}`);
  return result;
}
