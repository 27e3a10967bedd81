import { channel } from 'node:diagnostics_channel';

import { type CustomTransportStrategy, type MessageHandler, Server } from '@nestjs/microservices';
import { SpanStatusCode, context, type Span } from '@opentelemetry/api';
import { lastValueFrom } from 'rxjs';
import type { DataSource, EntityManager } from 'typeorm';

import { DownstreamError } from '@switchboard/downstream';
import { ContractViolation, parseCloudEvent, type CloudEvent } from '@switchboard/contracts';
import type { BatchConsumer, BatchControls, InboundMessage, PartitionBatch } from '@switchboard/kafka';
import { quoteIdent, type OutboxWriter } from '@switchboard/outbox';
import { businessAttributes, startProcessSpan, startReceiveSpan, untraced } from '@switchboard/telemetry';

import {
  REPLAYED_FROM_HEADER,
  deadLetterRecord,
  messageIdentity,
  type DeadLetterClass,
  type Rejection,
} from './dead-letter';
import { EventRejected } from './event-rejected';
import { CHUNK_HANDLER, ChunkContext } from './chunk-context';
import { InboxContext } from './inbox-context';
import { inboxMetrics } from './inbox.metrics';
import { ParkedEvents, parkingKey } from './parked-events';
import { commitPoints, doneBeforeWaiting } from './commit-points';
import { isTransient } from './transient-errors';

export interface InboxTransportOptions {
  consumerGroup: string;
  deadLetterTopic: string;
  /** The service's own name, used as the CloudEvents `source` of the events it publishes. */
  source: string;
  schema: string;
  dataSource: DataSource;
  consumer: BatchConsumer;
  outbox: OutboxWriter;
  /** Events applied per database transaction (and per offset commit). */
  maxTransactionSize?: number;
  retry?: Partial<RetryPolicy>;
  /**
   * Inbox rows older than `hours` are deleted every `sweepIntervalMs` (by every replica: the
   * deletes are idempotent). Keep them longer than any event can come back (topic retention, the
   * dead-letter replay window): a redelivery after that would apply again.
   */
  retention?: { hours: number; sweepIntervalMs?: number };
}

/**
 * Published (node:diagnostics_channel) after a chunk's database commit and before its offset is
 * committed: the one moment where a crash must cost a redelivery and nothing else. The exactly-once
 * tests subscribe to it from outside (a preload that kills the process there); with no subscriber,
 * publishing costs nothing.
 */
export const CHUNK_COMMITTED_CHANNEL = 'switchboard.inbox.chunk-committed';
const chunkCommitted = channel(CHUNK_COMMITTED_CHANNEL);

/** What CHUNK_COMMITTED_CHANNEL carries. */
export interface ChunkCommitted {
  group: string;
  topic: string;
  partition: number;
  /** The offset the commit that follows moves past. */
  offset: string;
}

interface Delivery {
  message: InboundMessage;
  inboxId: string;
  event: CloudEvent | null;
  rejection: Rejection | null;
  /** The `receive` span of the batch it came in: its `process` span links to it. */
  batchSpan?: Span;
}

/** An event waiting for its retry; `error` is null for a later event of the same key. */
interface Parked {
  delivery: Delivery;
  error: DownstreamError | null;
}

/** What became of one delivery, counted once its transaction committed. */
type Outcome = 'applied' | 'duplicate' | { deadLettered: DeadLetterClass };

/** Rows deleted per statement of the retention sweep. */
const SWEEP_BATCH = 10_000;
/** How often each consumer looks for parked keys whose retry is due, when it found none. */
const PARKED_POLL_MS = 250;
/** How often the parked backlog is measured for the gauges. */
const PARKED_BACKLOG_EVERY_MS = 5_000;
/** Keys, and events per key, one retry pass takes. */
const PARKED_KEYS_PER_PASS = 50;
const PARKED_EVENTS_PER_KEY = 20;
/** The pause after a retry pass that failed (the database is away, say). */
const RETRY_PASS_PAUSE_MS = 1_000;

/** Thrown in the one-transaction pass when the chunk holds an event known to be rejected. */
class ChunkNeedsIsolation extends Error {}

/**
 * Thrown by a first handling's claim when a key of the chunk has parked events: its transaction
 * rolls back, having written nothing, and the chunk takes the path that parks those events.
 */
class KeysWaiting extends Error {}

export interface RetryPolicy {
  /** Attempts of a transiently failing event before it is dead-lettered. */
  maxAttempts: number;
  /** First backoff; each next one doubles (with +-20 % jitter) up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** While a connector's credentials are refused, how often to probe it again. */
  authProbeIntervalMs: number;
  /**
   * Times an event may be handled alone without finishing (its consumer crashed or stalled) before
   * it is dead-lettered; counted in the database (inbox_attempt), so across restarts.
   */
  maxUnfinishedAttempts: number;
}

/**
 * A Nest microservice transport that keeps the Nest handler model and adds what the
 * built-in Kafka transport lacks: batches applied in one transaction with an inbox (exactly-once
 * effects), offsets committed only after that transaction (the client heartbeats on its own during
 * long batches), and a
 * dead-letter path so one bad event never blocks its partition.
 *
 * The happy path runs a whole chunk in one transaction. If any event in it fails permanently, the
 * chunk is rolled back and replayed with a savepoint per event, so only the failing ones are
 * dead-lettered and the others still apply. Transient failures (database or network) roll back and
 * are retried by the consumer, without committing offsets.
 *
 * Two handler forms: `@ChunkPattern` (the default for new flows) is called once per chunk with all
 * its new events and writes each table in one statement; `@EventPattern` is called per event with
 * an InboxContext, for an event whose effect depends on the one before it in a way one statement
 * cannot express.
 */
export class InboxTransport extends Server implements CustomTransportStrategy {
  private readonly inboxTable: string;
  private readonly attemptTable: string;
  private readonly maxTransactionSize: number;
  private readonly retry: RetryPolicy;
  private readonly parking: ParkedEvents;
  private sweeper?: NodeJS.Timeout;
  private sweeping = false;
  private retrier?: NodeJS.Timeout;
  /** The retry pass in progress, which `close` waits for. */
  private retrying: Promise<void> | null = null;
  private closing = false;
  private backlogMeasuredAt = 0;
  /** A retry pass has no Kafka batch: the offsets are past its events already. */
  private readonly retrierControls: BatchControls = {
    isActive: () => !this.closing,
    commit: () => Promise.resolve(!this.closing),
  };

  constructor(private readonly options: InboxTransportOptions) {
    super();
    this.retry = {
      maxAttempts: 8,
      baseDelayMs: 1_000,
      maxDelayMs: 60_000,
      authProbeIntervalMs: 30_000,
      maxUnfinishedAttempts: 3,
      ...options.retry,
    };
    this.inboxTable = `${quoteIdent(options.schema)}.inbox_message`;
    this.attemptTable = `${quoteIdent(options.schema)}.inbox_attempt`;
    this.maxTransactionSize = options.maxTransactionSize ?? 500;
    this.parking = new ParkedEvents(options.schema, options.dataSource);
  }

  listen(callback: (error?: unknown) => void): void {
    const topics = [...this.messageHandlers.keys()];
    const { retention } = this.options;
    if (retention) {
      this.sweeper = setInterval(
        () => void this.sweep(retention.hours),
        retention.sweepIntervalMs ?? 600_000,
      );
      this.sweeper.unref();
    }
    this.options.consumer
      .connect()
      .then(() => this.options.consumer.run(topics, (batch, controls) => this.handleBatch(batch, controls)))
      .then(() => {
        this.scheduleRetries(0);
        callback();
      }, callback);
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.sweeper);
    clearTimeout(this.retrier);
    await this.retrying;
    await this.options.consumer.disconnect();
  }

  /**
   * Deletes inbox rows (and attempt rows left by events that never came back) past retention, in
   * short transactions of at most SWEEP_BATCH rows, so the sweep never holds locks for long.
   */
  async sweep(hours: number): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    let deleted = 0;
    try {
      for (const table of [this.inboxTable, this.attemptTable]) {
        const age = table === this.inboxTable ? 'processed_at' : 'updated_at';
        const key = table === this.inboxTable ? 'position' : 'id';
        for (;;) {
          const rows: Array<{ n: number }> = await this.options.dataSource.query(
            `WITH gone AS (
               DELETE FROM ${table} WHERE ${key} IN (
                 SELECT ${key} FROM ${table} WHERE ${age} < now() - make_interval(hours => $1) LIMIT ${SWEEP_BATCH})
               RETURNING 1
             ) SELECT count(*)::int AS n FROM gone`,
            [hours],
          );
          const n = rows[0]?.n ?? 0;
          deleted += n;
          if (n < SWEEP_BATCH) break;
        }
      }
      if (deleted > 0) inboxMetrics.swept.inc({ group: this.options.consumerGroup }, deleted);
    } catch (error) {
      this.logger.warn?.(`inbox sweep failed (retried at the next interval): ${(error as Error).message}`);
    } finally {
      this.sweeping = false;
    }
    return deleted;
  }

  isConnected(): boolean {
    return this.options.consumer.isConnected();
  }

  on(): never {
    throw new Error('InboxTransport does not emit status events');
  }

  unwrap<T>(): T {
    return this.options.consumer as T;
  }

  /**
   * A batch is one `receive` span (its transactions, inbox rows and offset commits); each message
   * is processed in a `process` span of the message's own trace, linked to the batch's.
   */
  private async handleBatch(batch: PartitionBatch, controls: BatchControls): Promise<void> {
    const received = startReceiveSpan({
      topic: batch.topic,
      partitions: batch.partitions,
      consumerGroup: this.options.consumerGroup,
      messageCount: batch.messages.length,
    });
    try {
      await context.with(received.context, () => this.applyBatch(batch, controls, received.span));
    } catch (error) {
      received.span.recordException(error instanceof Error ? error : String(error));
      received.span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      received.span.end();
    }
  }

  private async applyBatch(batch: PartitionBatch, controls: BatchControls, batchSpan: Span): Promise<void> {
    for (let start = 0; start < batch.messages.length; start += this.maxTransactionSize) {
      // A revoked partition or a shutdown stops here; the rest is redelivered to the next owner.
      if (!controls.isActive()) return;
      const chunk = batch.messages.slice(start, start + this.maxTransactionSize);
      const deliveries = chunk.map((message) => ({ ...this.decode(message), batchSpan }));
      if (batch.firstHandling) {
        // Nothing of it can be unfinished or have used a retry (startChunk), so what is left to
        // look for is parked events of its keys, and the claim does that in its own statement.
        try {
          if (!(await this.applyWithRetries(deliveries, controls, new Map(), false, true)).completed) return;
          if (!(await this.commitThrough(chunk, controls))) return;
          continue;
        } catch (error) {
          if (!(error instanceof KeysWaiting)) throw error;
        }
      }
      const { waiting, started, unfinished, retried } = await this.startChunk(deliveries, {
        behindWaitingKeys: true,
        firstHandling: batch.firstHandling,
      });
      if (waiting.length > 0) await this.parkBehind(waiting);
      if (started.length > 0) {
        if (unfinished) {
          if (!(await this.applyOneByOne(started, controls, retried, false))) return;
          continue;
        }
        if (!(await this.applyWithRetries(started, controls, retried, false)).completed) return;
      }
      if (!(await this.commitThrough(chunk, controls))) return;
    }
  }

  /**
   * After the chunk's transaction: the offsets of its partitions move past it, each to its last
   * message there. False when the batch must stop (a partition of it was revoked).
   */
  private async commitThrough(messages: InboundMessage[], controls: BatchControls): Promise<boolean> {
    const points = commitPoints(messages);
    for (const message of points) this.announceCommitted(message);
    for (const message of points) if (!(await controls.commit(message))) return false;
    return true;
  }

  private announceCommitted(message: InboundMessage): void {
    if (!chunkCommitted.hasSubscribers) return;
    const committed: ChunkCommitted = {
      group: this.options.consumerGroup,
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
    };
    chunkCommitted.publish(committed);
  }

  /** Parks events, unhandled, behind the parked events of their keys. */
  private async parkBehind(deliveries: Delivery[]): Promise<void> {
    await this.options.dataSource.transaction(async (manager) => {
      await this.parking.park(
        manager,
        deliveries.map(({ inboxId, message }) => ({ inboxId, message, failure: null, dueAt: new Date() })),
      );
      await this.recordParked(
        manager,
        deliveries.map((delivery) => ({ delivery, error: null })),
      );
    });
  }

  private scheduleRetries(delayMs: number): void {
    if (this.closing) return;
    this.retrier = setTimeout(() => {
      this.retrying = this.retryDueKeys().finally(() => (this.retrying = null));
    }, delayMs);
    this.retrier.unref();
  }

  /** One retry pass of the parked keys that are due; the next one follows at once if it found any. */
  private async retryDueKeys(): Promise<void> {
    let next = PARKED_POLL_MS;
    try {
      const taken = await this.parking.claimDue(PARKED_KEYS_PER_PASS, PARKED_EVENTS_PER_KEY);
      if (taken.length > 0) {
        next = 0;
        const { started, unfinished, retried } = await this.startChunk(
          taken.map(({ message }) => this.decode(message)),
          { behindWaitingKeys: false, firstHandling: false },
        );
        if (unfinished) await this.applyOneByOne(started, this.retrierControls, retried, true);
        else await this.applyWithRetries(started, this.retrierControls, retried, true);
      }
      if (Date.now() - this.backlogMeasuredAt >= PARKED_BACKLOG_EVERY_MS) {
        this.backlogMeasuredAt = Date.now();
        const { events, oldestSeconds } = await this.parking.backlog();
        inboxMetrics.parked.set({ group: this.options.consumerGroup }, events);
        inboxMetrics.parkedOldest.set({ group: this.options.consumerGroup }, oldestSeconds);
      }
    } catch (error) {
      // The claimed keys come back when their lease runs out.
      this.logger.warn?.(`retry of parked events failed (tried again shortly): ${(error as Error).message}`);
      next = RETRY_PASS_PAUSE_MS;
    }
    this.scheduleRetries(next);
  }

  /**
   * Written (and committed) before the chunk is handled: +1 for every event of it. The transaction
   * that finishes an event deletes its row, so a row left from before means a handling of this
   * chunk started and never finished: the consumer crashed, stalled past its session or lost the
   * partition. Returns whether that is so for any event of the chunk, and the retries each event
   * had already used (a retrying event's count survives a rebalance and a restart).
   *
   * With `behindWaitingKeys` (a chunk from Kafka), the same statement looks for parked events of
   * the chunk's keys: an event of such a key is not started but returned in `waiting`, to be parked
   * behind them, so a key's events apply in order. One round trip for both: at a few events per
   * chunk, round trips are most of a consumer's cost.
   *
   * A chunk whose handling cannot have started before (`firstHandling`, known from the consumer)
   * writes no attempt rows: nothing of it can be unfinished, and none of its events has used a
   * retry. Should this handling crash, the next one is a redelivery and counts as the first
   * attempt: a poison event costs one crash more than `maxUnfinishedAttempts` before it is
   * dead-lettered, and each chunk saves a committed write of a row per event, and its delete. Such
   * a chunk comes here only when its claim found parked events of its keys (KeysWaiting): the
   * claim looks for them otherwise, and this statement, which would only read, is not sent.
   */
  private async startChunk(
    deliveries: Delivery[],
    { behindWaitingKeys, firstHandling }: { behindWaitingKeys: boolean; firstHandling: boolean },
  ): Promise<{
    waiting: Delivery[];
    started: Delivery[];
    unfinished: boolean;
    retried: Map<string, number>;
  }> {
    // One row per id: a statement may not update the same row twice.
    const unique = [...new Map(deliveries.map((delivery) => [delivery.inboxId, delivery])).values()];
    const rows: Array<{
      waiting_key: string | null;
      chunk_attempts: number;
      solo_attempts: number;
      retry_attempts: number;
      id: string;
    }> = await untraced(() =>
      // The transport's bookkeeping, like the claim: the batch's `receive` span shows its time.
      this.options.dataSource.query(
        `WITH waiting AS (
         SELECT DISTINCT message_key FROM ${this.parking.table}
         WHERE $5::text IS NOT NULL AND topic = $5 AND message_key = ANY($6::text[])
       ), started AS (
         INSERT INTO ${this.attemptTable} AS a (id, topic, kafka_partition, kafka_offset, chunk_attempts)
         SELECT d.id, d.topic, d.kafka_partition, d.kafka_offset, 1
         FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $6::text[])
           AS d(id, topic, kafka_partition, kafka_offset, message_key)
         WHERE NOT $7::boolean AND d.message_key NOT IN (SELECT message_key FROM waiting)
         ON CONFLICT (id) DO UPDATE SET chunk_attempts = a.chunk_attempts + 1, updated_at = now()
         RETURNING id, chunk_attempts, solo_attempts, retry_attempts
       )
       SELECT message_key AS waiting_key, NULL AS id, 0 AS chunk_attempts, 0 AS solo_attempts, 0 AS retry_attempts
       FROM waiting
       UNION ALL
       SELECT NULL, id, chunk_attempts, solo_attempts, retry_attempts FROM started`,
        [
          unique.map((delivery) => delivery.inboxId),
          unique.map((delivery) => delivery.message.topic),
          unique.map((delivery) => delivery.message.partition),
          unique.map((delivery) => delivery.message.offset),
          behindWaitingKeys ? deliveries[0].message.topic : null,
          unique.map((delivery) => parkingKey(delivery.message)),
          firstHandling,
        ],
      ),
    );
    const waitingKeys = new Set(rows.filter((row) => row.waiting_key !== null).map((row) => row.waiting_key));
    const attempts = rows.filter((row) => row.waiting_key === null);
    return {
      waiting: deliveries.filter((delivery) => waitingKeys.has(parkingKey(delivery.message))),
      started: deliveries.filter((delivery) => !waitingKeys.has(parkingKey(delivery.message))),
      unfinished: attempts.some((row) => row.chunk_attempts > 1 || row.solo_attempts > 0),
      retried: new Map(
        attempts.filter((row) => row.retry_attempts > 0).map((row) => [row.id, row.retry_attempts]),
      ),
    };
  }

  /**
   * After an unfinished handling, the chunk is handled one event per transaction, each counted
   * before it starts (solo_attempts) and committed alone: the events before the culprit commit,
   * and the culprit alone accumulates attempts. Past `maxUnfinishedAttempts` it is dead-lettered
   * (`delivery_attempts_exhausted`) without being handled again, and its partition moves on.
   */
  private async applyOneByOne(
    deliveries: Delivery[],
    controls: BatchControls,
    retried: Map<string, number>,
    fromParking: boolean,
  ): Promise<boolean> {
    /** Keys parked by this pass: their later events wait behind, unhandled. */
    const parkedKeys = new Set<string>();
    for (const delivery of deliveries) {
      if (!controls.isActive()) return false;
      if (parkedKeys.has(parkingKey(delivery.message))) {
        await this.parkBehind([delivery]);
        if (!(await controls.commit(delivery.message))) return false;
        continue;
      }
      const [row]: Array<{ solo_attempts: number }> = await this.options.dataSource.query(
        // (As a CTE: TypeORM answers a bare UPDATE with [rows, count], a SELECT with rows.)
        `WITH counted AS (
           UPDATE ${this.attemptTable} SET solo_attempts = solo_attempts + 1, updated_at = now()
           WHERE id = $1 RETURNING solo_attempts
         ) SELECT solo_attempts FROM counted`,
        [delivery.inboxId],
      );
      const unfinished = (row?.solo_attempts ?? 1) - 1;
      if (!delivery.rejection && unfinished >= this.retry.maxUnfinishedAttempts) {
        delivery.rejection = {
          errorClass: 'unexpected',
          code: 'delivery_attempts_exhausted',
          reason: `Handling this event started ${unfinished} times on its own without finishing (the consumer crashed, stalled or lost its partition each time); dead-lettered instead of trying again`,
          fields: [],
        };
        this.logger.warn?.(
          `${delivery.message.topic}/${delivery.message.partition}@${delivery.message.offset}: ${unfinished} unfinished attempts, dead-lettering it`,
        );
      }
      const { completed, parked } = await this.applyWithRetries([delivery], controls, retried, fromParking);
      if (!completed) return false;
      if (parked) parkedKeys.add(parkingKey(delivery.message));
      if (!(await this.commitThrough([delivery.message], controls))) return false;
    }
    return true;
  }

  private async recordRetryStart(deliveries: Delivery[]): Promise<void> {
    await this.options.dataSource.query(
      `UPDATE ${this.attemptTable} SET chunk_attempts = chunk_attempts + 1, updated_at = now() WHERE id = ANY($1::text[])`,
      [deliveries.map((delivery) => delivery.inboxId)],
    );
  }

  /**
   * Parked events stopped cleanly (nothing unfinished about them), and the failing ones used one
   * more retry: written in the transaction that parks them, so a rebalance or a restart neither
   * resets the retry budget nor takes the wait for a crash.
   */
  private async recordParked(manager: EntityManager, parked: Parked[]): Promise<void> {
    if (parked.length === 0) return;
    await manager.query(
      `UPDATE ${this.attemptTable} SET chunk_attempts = 0, solo_attempts = 0,
         retry_attempts = retry_attempts + CASE WHEN id = ANY($2::text[]) THEN 1 ELSE 0 END, updated_at = now()
       WHERE id = ANY($1::text[])`,
      [
        parked.map(({ delivery }) => delivery.inboxId),
        parked.filter(({ error }) => error !== null).map(({ delivery }) => delivery.inboxId),
      ],
    );
  }

  /** The finished events' attempt rows go in the transaction that finished them. */
  private async forgetAttempts(manager: EntityManager, deliveries: Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await manager.query(`DELETE FROM ${this.attemptTable} WHERE id = ANY($1::text[])`, [
      deliveries.map((delivery) => delivery.inboxId),
    ]);
  }

  /**
   * Applies a chunk. Events whose downstream failed in a retryable way are parked together with
   * every later event of the same key, so per-key order holds; the rest of the chunk is applied and
   * committed (a partial batch failure retries only the failures).
   *
   * A failure of one key (a timeout, a 5xx) parks the key in `inbox_parked`, in the transaction
   * that applies the rest: the partition's offset moves on, its later events flow, and the key is
   * retried from there after its backoff (`fromParking`: this is that retry). A failure of the
   * whole connector (refused credentials, a rate limit, an open circuit) holds the chunk's partitions
   * here instead: every other key would fail the same way. Then each partition's offset advances only
   * up to its first parked event: after a crash the redelivered later events are no-ops (inbox).
   * Returns whether it completed (false: the consumer stopped while waiting) and whether anything
   * of it was parked in the table.
   */
  private async applyWithRetries(
    deliveries: Delivery[],
    controls: BatchControls,
    retried: Map<string, number>,
    fromParking: boolean,
    behindWaitingKeys = false,
  ): Promise<{ completed: boolean; parked: boolean }> {
    // The attempt number of each event's next try: its retries so far, counted in the database.
    const attempts = new Map<Delivery, number>();
    for (const delivery of deliveries) {
      const used = retried.get(delivery.inboxId);
      if (used) attempts.set(delivery, used + 1);
    }
    let pending = deliveries;
    for (let round = 0; ; round += 1) {
      // A retry round is a handling like the first: a crash inside it must be seen as unfinished.
      if (round > 0) await this.recordRetryStart(pending);
      const { parked, held } = await this.applyChunk(
        pending,
        attempts,
        fromParking,
        behindWaitingKeys && round === 0,
      );
      if (!held) return { completed: true, parked: parked.length > 0 };
      const done = doneBeforeWaiting(deliveries, new Set(parked.map((entry) => entry.delivery)));
      const doneMessages = done.map(({ message }) => message);
      if (done.length > 0 && !(await this.commitThrough(doneMessages, controls)))
        return { completed: false, parked: true };
      const failures = parked.filter(
        (entry): entry is Parked & { error: DownstreamError } => entry.error !== null,
      );
      for (const { delivery } of failures) attempts.set(delivery, (attempts.get(delivery) ?? 1) + 1);
      const resumed = await this.hold(failures, attempts, controls);
      if (!resumed) return { completed: false, parked: true };
      pending = parked.map((entry) => entry.delivery);
    }
  }

  /** Waits as the failure classes require; false if the consumer stops meanwhile. */
  private async hold(
    failures: Array<{ delivery: Delivery; error: DownstreamError }>,
    attempts: Map<Delivery, number>,
    controls: BatchControls,
  ): Promise<boolean> {
    const waits = failures.map(({ delivery, error }) =>
      this.backoffMs(error, (attempts.get(delivery) ?? 2) - 1),
    );
    const reason = failures[0]?.error.failureClass ?? 'transient';
    const authWaits = failures.filter(({ error }) => error.failureClass === 'authentication');
    const deadline = Date.now() + Math.max(...waits);
    inboxMetrics.held.inc({ group: this.options.consumerGroup, reason });
    try {
      while (Date.now() < deadline) {
        if (!controls.isActive()) return false;
        // Fixed credentials resume a held connector at once instead of at the next probe.
        if (authWaits.length > 0 && authWaits.every(({ error }) => error.details.credentialsChanged?.()))
          return true;
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(1_000, Math.max(0, deadline - Date.now()))),
        );
      }
      return controls.isActive();
    } finally {
      inboxMetrics.held.dec({ group: this.options.consumerGroup, reason });
    }
  }

  /** The wait before the next try of an event whose attempt `attempt` failed with `error`. */
  private backoffMs(error: DownstreamError, attempt: number): number {
    const { retry } = this;
    switch (error.failureClass) {
      case 'rate_limited':
        return Math.max(100, error.details.retryAfterMs ?? retry.baseDelayMs);
      case 'authentication':
        return retry.authProbeIntervalMs;
      case 'transient':
      case 'validation': {
        const exponential = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
        return exponential * (0.8 + Math.random() * 0.4);
      }
    }
  }

  /**
   * One transaction for the chunk; on a failure, again with a savepoint per event. Returns the
   * parked events, and whether they are held here (the whole connector failed) rather than parked
   * in the table. With `behindWaitingKeys` it throws KeysWaiting, having written nothing, when a
   * key of the chunk has parked events.
   */
  private async applyChunk(
    deliveries: Delivery[],
    attempts: Map<Delivery, number>,
    fromParking: boolean,
    behindWaitingKeys = false,
  ): Promise<{ parked: Parked[]; held: boolean }> {
    let failed: { delivery: Delivery; error: unknown } | null = null;
    try {
      const outcomes = await this.options.dataSource.transaction(async (manager) => {
        const fresh = await this.claim(manager, deliveries, 'finishing', behindWaitingKeys);
        const counted: Array<[Delivery, 'applied' | 'duplicate']> = [];
        const toApply: Delivery[] = [];
        for (const delivery of deliveries) {
          // `delete` also drops a second copy of the same event inside one chunk.
          if (!fresh.delete(delivery.inboxId)) {
            counted.push([delivery, 'duplicate']);
            continue;
          }
          if (delivery.rejection) throw new ChunkNeedsIsolation();
          toApply.push(delivery);
          counted.push([delivery, 'applied']);
        }
        if (toApply.length > 0) {
          const handler = this.handlerFor(toApply[0].message.topic);
          if (isChunkHandler(handler)) {
            const culprit = await this.invokeChunk(manager, handler, toApply);
            if (culprit) {
              failed = culprit;
              throw culprit.error;
            }
          } else {
            for (const delivery of toApply) {
              try {
                await this.invokeOne(manager, handler, delivery);
              } catch (error) {
                failed = { delivery, error };
                throw error;
              }
            }
          }
        }
        if (fromParking) await this.parking.release(manager, unique(deliveries));
        return counted;
      });
      for (const [delivery, outcome] of outcomes) this.countOutcome(delivery, outcome);
      return { parked: [], held: false };
    } catch (error) {
      if (isTransient(error) || error instanceof KeysWaiting) throw error;
    }
    const isolated = await this.options.dataSource.transaction((manager) =>
      this.applyIsolated(manager, deliveries, attempts, failed, fromParking),
    );
    // Counted once committed: a transaction that fails and is retried must not count twice.
    for (const [delivery, outcome] of isolated.outcomes) this.countOutcome(delivery, outcome);
    for (const { error } of isolated.parked)
      if (error) inboxMetrics.retries.inc({ group: this.options.consumerGroup, class: error.failureClass });
    return { parked: isolated.parked, held: isolated.held };
  }

  private async applyIsolated(
    manager: EntityManager,
    deliveries: Delivery[],
    attempts: Map<Delivery, number>,
    known: { delivery: Delivery; error: unknown } | null,
    fromParking: boolean,
  ): Promise<{ parked: Parked[]; held: boolean; outcomes: Array<[Delivery, Outcome]> }> {
    // Parked events keep their attempt rows: forgotten below, for the finished ones only.
    const fresh = await this.claim(manager, deliveries, 'not finishing');
    const parked: Parked[] = [];
    const outcomes: Array<[Delivery, Outcome]> = [];
    const blockedKeys = new Set<string>();
    const deadLettered: string[] = [];
    for (const delivery of deliveries) {
      // `delete` also drops a second copy of the same event inside one chunk.
      if (!fresh.delete(delivery.inboxId)) {
        outcomes.push([delivery, 'duplicate']);
        continue;
      }
      const key = delivery.message.key ?? '';
      if (blockedKeys.has(key)) {
        await this.unclaim(manager, delivery);
        parked.push({ delivery, error: null });
        continue;
      }
      let outcome: Rejection | DownstreamError | null = delivery.rejection;
      if (!outcome) {
        outcome =
          known?.delivery === delivery
            ? this.classify(known.error, attempts.get(delivery) ?? 1)
            : await this.applyInSavepoint(manager, delivery, attempts.get(delivery) ?? 1);
      }
      if (outcome instanceof DownstreamError) {
        await this.unclaim(manager, delivery);
        blockedKeys.add(key);
        parked.push({ delivery, error: outcome });
        continue;
      }
      if (outcome) {
        await this.options.outbox.enqueue(manager, [
          deadLetterRecord(
            this.options.consumerGroup,
            this.options.deadLetterTopic,
            delivery.message,
            delivery.event,
            outcome,
            attempts.get(delivery) ?? 1,
          ),
        ]);
        deadLettered.push(delivery.inboxId);
        this.logger.warn?.(
          `dead-lettered ${delivery.message.topic}/${delivery.message.partition}@${delivery.message.offset}: ${outcome.code}`,
        );
      }
      outcomes.push([delivery, outcome ? { deadLettered: outcome.errorClass } : 'applied']);
    }
    if (deadLettered.length > 0) {
      await manager.query(
        `UPDATE ${this.inboxTable} SET status = 'dead_lettered' WHERE id = ANY($1::text[])`,
        [deadLettered],
      );
    }
    await this.recordParked(manager, parked);
    const held = !fromParking && parked.some(({ error }) => error !== null && holdsConnector(error));
    if (!held) {
      await this.parking.park(
        manager,
        parked.map(({ delivery, error }) => ({
          inboxId: delivery.inboxId,
          message: delivery.message,
          failure: error?.message ?? null,
          dueAt: new Date(Date.now() + (error ? this.backoffMs(error, attempts.get(delivery) ?? 1) : 0)),
        })),
      );
    }
    const parkedSet = new Set(parked.map((entry) => entry.delivery));
    const finished = deliveries.filter((delivery) => !parkedSet.has(delivery));
    await this.forgetAttempts(manager, finished);
    if (fromParking) await this.parking.release(manager, unique(finished));
    return { parked, held, outcomes };
  }

  private async applyInSavepoint(
    manager: EntityManager,
    delivery: Delivery,
    attempt: number,
  ): Promise<Rejection | DownstreamError | null> {
    await manager.query('SAVEPOINT inbox_event');
    try {
      const handler = this.handlerFor(delivery.message.topic);
      if (isChunkHandler(handler)) {
        const culprit = await this.invokeChunk(manager, handler, [delivery]);
        if (culprit) throw culprit.error;
      } else {
        await this.invokeOne(manager, handler, delivery);
      }
      await manager.query('RELEASE SAVEPOINT inbox_event');
      return null;
    } catch (error) {
      if (isTransient(error)) throw error;
      await manager.query('ROLLBACK TO SAVEPOINT inbox_event');
      return this.classify(error, attempt);
    }
  }

  /**
   * A downstream failure worth retrying stays a DownstreamError (the event is parked); a
   * transient one past the retry budget, and every permanent failure, become a dead letter.
   */
  private classify(error: unknown, attempt: number): Rejection | DownstreamError {
    if (error instanceof DownstreamError) {
      if (error.failureClass === 'validation') {
        return { errorClass: 'validation', code: 'downstream_validation', reason: error.message, fields: [] };
      }
      if (error.failureClass === 'transient' && attempt >= this.retry.maxAttempts) {
        return { errorClass: 'transient', code: 'retries_exhausted', reason: error.message, fields: [] };
      }
      return error;
    }
    return toRejection(error);
  }

  /** Metrics of one committed outcome; the end-to-end latency is measured at the commit. */
  private countOutcome(delivery: Delivery, outcome: Outcome): void {
    const group = this.options.consumerGroup;
    const type = delivery.event?.type ?? 'unknown';
    if (typeof outcome === 'object') {
      inboxMetrics.events.inc({ group, type, outcome: 'dead_lettered' });
      inboxMetrics.deadLetters.inc({ group, type, error_class: outcome.deadLettered });
      return;
    }
    inboxMetrics.events.inc({ group, type, outcome });
    if (outcome === 'applied' && delivery.event) {
      inboxMetrics.latency.observe(
        { group, type },
        Math.max(0, (Date.now() - Date.parse(delivery.event.time)) / 1000),
      );
    }
  }

  /** A parked event gives its inbox row back, so its retry (or a redelivery) applies it. */
  private async unclaim(manager: EntityManager, delivery: Delivery): Promise<void> {
    await manager.query(`DELETE FROM ${this.inboxTable} WHERE id = $1`, [delivery.inboxId]);
  }

  /**
   * Inserts the inbox rows; returns the ids not seen before (the events to apply). With `finishing`,
   * the same statement deletes their attempt rows (forgetAttempts): when the transaction commits
   * they are finished, and when it rolls back the rows stay. With `behindWaitingKeys` it first looks
   * for parked events of the chunk's keys (what startChunk does for a chunk that may be a
   * redelivery): finding one, it inserts nothing and throws KeysWaiting.
   */
  private async claim(
    manager: EntityManager,
    deliveries: Delivery[],
    finishing: 'finishing' | 'not finishing',
    behindWaitingKeys = false,
  ): Promise<Set<string>> {
    // One row per id: a statement may not update the same row twice.
    const unique = [...new Map(deliveries.map((delivery) => [delivery.inboxId, delivery])).values()];
    const rows: Array<{ id: string | null }> = await untraced(() =>
      manager.query(
        `WITH finished AS (
         DELETE FROM ${this.attemptTable} WHERE id = ANY($7::text[])
       ), waiting AS (
         SELECT 1 FROM ${this.parking.table}
         WHERE $8::text IS NOT NULL AND topic = $8 AND message_key = ANY($9::text[]) LIMIT 1
       ), claimed AS (
         INSERT INTO ${this.inboxTable} AS i (id, event_type, topic, kafka_partition, kafka_offset)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[])
         WHERE NOT EXISTS (SELECT 1 FROM waiting)
         ON CONFLICT (id) DO UPDATE SET status = 'applied', topic = EXCLUDED.topic,
           kafka_partition = EXCLUDED.kafka_partition, kafka_offset = EXCLUDED.kafka_offset, processed_at = now()
         -- A dead-lettered event had no effect: an operator's replay of it (after the data was fixed)
         -- applies it; any other redelivery of it is a duplicate.
         WHERE i.status = 'dead_lettered' AND i.id = ANY($6::text[])
         RETURNING id
       )
       SELECT id FROM claimed UNION ALL SELECT NULL FROM waiting`,
        [
          unique.map(({ inboxId }) => inboxId),
          unique.map(({ event }) => event?.type ?? null),
          unique.map(({ message }) => message.topic),
          unique.map(({ message }) => message.partition),
          unique.map(({ message }) => message.offset),
          unique
            .filter(({ message }) => message.headers[REPLAYED_FROM_HEADER] !== undefined)
            .map(({ inboxId }) => inboxId),
          finishing === 'finishing' ? unique.map(({ inboxId }) => inboxId) : [],
          behindWaitingKeys ? unique[0].message.topic : null,
          behindWaitingKeys ? unique.map(({ message }) => parkingKey(message)) : [],
        ],
      ),
    );
    const fresh = new Set<string>();
    for (const { id } of rows) {
      if (id === null) throw new KeysWaiting();
      fresh.add(id);
    }
    return fresh;
  }

  private handlerFor(topic: string): MessageHandler {
    const handler = this.getHandlerByPattern(topic);
    if (!handler) throw new EventRejected('no_handler', `No handler for topic ${topic}`);
    return handler;
  }

  /** The `process` span of one event: a child of the trace it carries, linked to its batch. */
  private startEventSpan(delivery: Delivery) {
    const event = delivery.event!;
    const { message } = delivery;
    return startProcessSpan(
      message,
      {
        'messaging.consumer.group.name': this.options.consumerGroup,
        'messaging.message.id': event.id,
        ...(message.key ? { 'messaging.kafka.message.key': message.key } : {}),
        'switchboard.event.type': event.type,
        ...(event.subject ? { 'switchboard.event.subject': event.subject } : {}),
        ...businessAttributes(event.data),
      },
      delivery.batchSpan,
    );
  }

  private async invokeOne(
    manager: EntityManager,
    handler: MessageHandler,
    delivery: Delivery,
  ): Promise<void> {
    const event = delivery.event!;
    const { message } = delivery;
    const { span, context: active } = this.startEventSpan(delivery);
    const started = process.hrtime.bigint();
    try {
      await context.with(active, async () => {
        const ctx = new InboxContext(
          event,
          manager,
          this.options.outbox,
          this.options.source,
          { topic: message.topic, partition: message.partition, offset: message.offset },
          active,
        );
        await lastValueFrom(this.transformToObservable(await handler(event, ctx)), {
          defaultValue: undefined,
        });
      });
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      inboxMetrics.duration.observe(
        { group: this.options.consumerGroup, type: event.type },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
      span.end();
    }
  }

  /**
   * One call of a chunk handler; a failure it can pin on one event (thrown inside
   * `ChunkContext.within`) is returned with that event, any other failure is thrown.
   *
   * Each event keeps its own `process` span, and its result events continue its trace. The
   * chunk's statements are recorded once, in the trace of its first event: a trace shows one span
   * per statement of the chunk, not per event, and a chunk of one event is traced whole.
   */
  private async invokeChunk(
    manager: EntityManager,
    handler: MessageHandler,
    deliveries: Delivery[],
  ): Promise<{ delivery: Delivery; error: unknown } | null> {
    const spans = deliveries.map((delivery) => this.startEventSpan(delivery));
    const traces = new Map(deliveries.map((delivery, index) => [delivery.event!.id, spans[index].context]));
    const chunk = new ChunkContext(manager, this.options.outbox, this.options.source, traces);
    const started = process.hrtime.bigint();
    try {
      await context.with(spans[0].context, async () => {
        const events = deliveries.map((delivery) => delivery.event!);
        await lastValueFrom(this.transformToObservable(await handler(events, chunk)), {
          defaultValue: undefined,
        });
      });
      return null;
    } catch (error) {
      const culprit = chunk.failedEvent(error);
      const index = culprit ? deliveries.findIndex((delivery) => delivery.event!.id === culprit.id) : -1;
      spans.forEach(({ span }, at) => {
        if (at === index || deliveries.length === 1) {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: SpanStatusCode.ERROR });
        } else {
          // Not this event's failure: it is applied again, on its own.
          span.addEvent('chunk rolled back, applied again on its own');
        }
      });
      if (index < 0 || isTransient(error)) throw error;
      return { delivery: deliveries[index], error };
    } finally {
      // The chunk's time, shared: the histogram stays "seconds of handler per event".
      const share = Number(process.hrtime.bigint() - started) / 1e9 / deliveries.length;
      for (const delivery of deliveries)
        inboxMetrics.duration.observe(
          { group: this.options.consumerGroup, type: delivery.event!.type },
          share,
        );
      for (const { span } of spans) span.end();
    }
  }

  private decode(message: InboundMessage): Delivery {
    let raw: unknown;
    try {
      raw = JSON.parse(message.value?.toString('utf8') ?? '');
    } catch {
      return {
        message,
        // Hashed only here: an event with an id (nearly all) costs no digest.
        inboxId: messageIdentity(message),
        event: null,
        rejection: {
          errorClass: 'validation',
          code: 'malformed_json',
          reason: 'The message value is not JSON',
          fields: [],
        },
      };
    }
    try {
      const event = parseCloudEvent(raw);
      return { message, inboxId: event.id, event, rejection: null };
    } catch (error) {
      const id =
        typeof (raw as { id?: unknown })?.id === 'string'
          ? (raw as { id: string }).id
          : messageIdentity(message);
      return { message, inboxId: id, event: null, rejection: toRejection(error) };
    }
  }
}

/**
 * Failures of the whole connector rather than of one event: every other key would fail the same
 * way, so the partition waits instead of parking each of its keys.
 */
function holdsConnector(error: DownstreamError): boolean {
  return (
    error.failureClass === 'authentication' ||
    error.failureClass === 'rate_limited' ||
    error.details.circuitOpen === true
  );
}

/** The inbox ids of the deliveries, once each. */
function unique(deliveries: Delivery[]): string[] {
  return [...new Set(deliveries.map((delivery) => delivery.inboxId))];
}

function isChunkHandler(handler: MessageHandler): boolean {
  return (handler.extras as Record<string, unknown> | undefined)?.[CHUNK_HANDLER] === true;
}

function toRejection(error: unknown): Rejection {
  if (error instanceof ContractViolation) {
    return {
      errorClass: 'validation',
      code: 'contract_violation',
      reason: error.message,
      fields: error.errors,
    };
  }
  if (error instanceof EventRejected) {
    return { errorClass: 'rejected', code: error.code, reason: error.message, fields: error.fields };
  }
  return {
    errorClass: 'unexpected',
    code: 'handler_error',
    reason: error instanceof Error ? error.message : String(error),
    fields: [],
  };
}
