import { type CustomTransportStrategy, Server } from '@nestjs/microservices';
import { SpanStatusCode, context, type Span } from '@opentelemetry/api';
import { lastValueFrom } from 'rxjs';
import type { DataSource, EntityManager } from 'typeorm';

import { DownstreamError } from '@switchboard/connectors';
import { ContractViolation, parseCloudEvent, type CloudEvent } from '@switchboard/contracts';
import type { BatchConsumer, BatchControls, InboundMessage, PartitionBatch } from '@switchboard/kafka';
import { quoteIdent, type OutboxWriter } from '@switchboard/outbox';
import { businessAttributes, startProcessSpan, startReceiveSpan } from '@switchboard/telemetry';

import { deadLetterRecord, type DeadLetterClass, type Rejection } from './dead-letter';
import { EventRejected } from './event-rejected';
import { InboxContext } from './inbox-context';
import { inboxMetrics } from './inbox.metrics';
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
  /** Called between the database commit and the offset commit (fault-injection tests only). */
  afterCommit?: () => void;
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

/** Thrown in the one-transaction pass when the chunk holds an event known to be rejected. */
class ChunkNeedsIsolation extends Error {}

export interface RetryPolicy {
  /** Attempts of a transiently failing event before it is dead-lettered. */
  maxAttempts: number;
  /** First backoff; each next one doubles (with +-20 % jitter) up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** While a connector's credentials are refused, how often to probe it again. */
  authProbeIntervalMs: number;
}

/**
 * A Nest microservice transport that keeps the `@EventPattern` handler model and adds what the
 * built-in Kafka transport lacks: batches applied in one transaction with an inbox (exactly-once
 * effects), offsets committed only after that transaction, heartbeats during long batches, and a
 * dead-letter path so one bad event never blocks its partition.
 *
 * The happy path runs a whole chunk in one transaction. If any event in it fails permanently, the
 * chunk is rolled back and replayed with a savepoint per event, so only the failing ones are
 * dead-lettered and the others still apply. Transient failures (database or network) roll back and
 * are retried by the consumer, without committing offsets.
 */
export class InboxTransport extends Server implements CustomTransportStrategy {
  private readonly inboxTable: string;
  private readonly maxTransactionSize: number;
  private readonly retry: RetryPolicy;

  constructor(private readonly options: InboxTransportOptions) {
    super();
    this.retry = {
      maxAttempts: 8,
      baseDelayMs: 1_000,
      maxDelayMs: 60_000,
      authProbeIntervalMs: 30_000,
      ...options.retry,
    };
    this.inboxTable = `${quoteIdent(options.schema)}.inbox_message`;
    this.maxTransactionSize = options.maxTransactionSize ?? 500;
  }

  listen(callback: (error?: unknown) => void): void {
    const topics = [...this.messageHandlers.keys()];
    this.options.consumer
      .connect()
      .then(() => this.options.consumer.run(topics, (batch, controls) => this.handleBatch(batch, controls)))
      .then(() => callback(), callback);
  }

  async close(): Promise<void> {
    await this.options.consumer.disconnect();
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
   * A batch is one `receive` span (its transactions, inbox rows and offset commits), linked to
   * every message; each message is processed in a `process` span of the message's own trace.
   */
  private async handleBatch(batch: PartitionBatch, controls: BatchControls): Promise<void> {
    const received = startReceiveSpan(
      { topic: batch.topic, partition: batch.partition, consumerGroup: this.options.consumerGroup },
      batch.messages,
    );
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
      const completed = await this.applyWithRetries(
        chunk.map((message) => ({ ...this.decode(message), batchSpan })),
        controls,
      );
      if (!completed) return;
      this.options.afterCommit?.();
      if (!(await controls.commit(chunk[chunk.length - 1]))) return;
      await controls.heartbeat();
    }
  }

  /**
   * Applies a chunk. Events whose downstream failed in a retryable way are parked together with
   * every later event of the same key, so per-key order holds; the rest of the chunk is applied and
   * committed (a partial batch failure retries only the failures). The offset advances only up to
   * the first parked event: after a crash the redelivered later events are no-ops (inbox).
   * Returns false when the consumer stopped while waiting.
   */
  private async applyWithRetries(deliveries: Delivery[], controls: BatchControls): Promise<boolean> {
    const attempts = new Map<Delivery, number>();
    let pending = deliveries;
    for (;;) {
      const parked = await this.applyChunk(pending, attempts, controls);
      if (parked.length === 0) return true;
      const firstParked = deliveries.indexOf(parked[0].delivery);
      if (firstParked > 0 && !(await controls.commit(deliveries[firstParked - 1].message))) return false;
      const failures = parked.filter(
        (entry): entry is Parked & { error: DownstreamError } => entry.error !== null,
      );
      for (const { delivery } of failures) attempts.set(delivery, (attempts.get(delivery) ?? 1) + 1);
      const resumed = await this.hold(failures, attempts, controls);
      if (!resumed) return false;
      pending = parked.map((entry) => entry.delivery);
    }
  }

  /** Waits as the failure classes require, heartbeating; false if the consumer stops meanwhile. */
  private async hold(
    failures: Array<{ delivery: Delivery; error: DownstreamError }>,
    attempts: Map<Delivery, number>,
    controls: BatchControls,
  ): Promise<boolean> {
    const { retry } = this;
    const waits = failures.map(({ delivery, error }) => {
      switch (error.failureClass) {
        case 'rate_limited':
          return Math.max(100, error.details.retryAfterMs ?? retry.baseDelayMs);
        case 'authentication':
          return retry.authProbeIntervalMs;
        case 'transient':
        case 'validation': {
          const attempt = (attempts.get(delivery) ?? 2) - 1;
          const exponential = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
          return exponential * (0.8 + Math.random() * 0.4);
        }
      }
    });
    const reason = failures[0]?.error.failureClass ?? 'transient';
    const authWaits = failures.filter(({ error }) => error.failureClass === 'authentication');
    const deadline = Date.now() + Math.max(...waits);
    inboxMetrics.held.inc({ group: this.options.consumerGroup, reason });
    for (const { error } of failures)
      inboxMetrics.retries.inc({ group: this.options.consumerGroup, class: error.failureClass });
    try {
      while (Date.now() < deadline) {
        if (!controls.isActive()) return false;
        // Fixed credentials resume a held connector at once instead of at the next probe.
        if (authWaits.length > 0 && authWaits.every(({ error }) => error.details.credentialsChanged?.()))
          return true;
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(1_000, Math.max(0, deadline - Date.now()))),
        );
        await controls.heartbeat();
      }
      return controls.isActive();
    } finally {
      inboxMetrics.held.dec({ group: this.options.consumerGroup, reason });
    }
  }

  /** One transaction for the chunk; on a failure, again with a savepoint per event. */
  private async applyChunk(
    deliveries: Delivery[],
    attempts: Map<Delivery, number>,
    controls: BatchControls,
  ): Promise<Parked[]> {
    let failed: { delivery: Delivery; error: unknown } | null = null;
    try {
      const outcomes = await this.options.dataSource.transaction(async (manager) => {
        const fresh = await this.claim(manager, deliveries);
        const counted: Array<[Delivery, 'applied' | 'duplicate']> = [];
        for (const delivery of deliveries) {
          // `delete` also drops a second copy of the same event inside one chunk.
          if (!fresh.delete(delivery.inboxId)) {
            counted.push([delivery, 'duplicate']);
            continue;
          }
          if (delivery.rejection) throw new ChunkNeedsIsolation();
          try {
            await this.invoke(manager, delivery);
          } catch (error) {
            failed = { delivery, error };
            throw error;
          }
          counted.push([delivery, 'applied']);
          // Cheap (kafkajs sends one only once per heartbeat interval): keeps the membership of a
          // slow chunk alive on a loaded machine.
          await controls.heartbeat();
        }
        return counted;
      });
      for (const [delivery, outcome] of outcomes) this.countOutcome(delivery, outcome);
      return [];
    } catch (error) {
      if (isTransient(error)) throw error;
    }
    const isolated = await this.options.dataSource.transaction((manager) =>
      this.applyIsolated(manager, deliveries, attempts, failed, controls),
    );
    // Counted once committed: a transaction that fails and is retried must not count twice.
    for (const [delivery, outcome] of isolated.outcomes) this.countOutcome(delivery, outcome);
    return isolated.parked;
  }

  private async applyIsolated(
    manager: EntityManager,
    deliveries: Delivery[],
    attempts: Map<Delivery, number>,
    known: { delivery: Delivery; error: unknown } | null,
    controls: BatchControls,
  ): Promise<{ parked: Parked[]; outcomes: Array<[Delivery, Outcome]> }> {
    const fresh = await this.claim(manager, deliveries);
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
      await controls.heartbeat();
    }
    if (deadLettered.length > 0) {
      await manager.query(
        `UPDATE ${this.inboxTable} SET status = 'dead_lettered' WHERE id = ANY($1::text[])`,
        [deadLettered],
      );
    }
    return { parked, outcomes };
  }

  private async applyInSavepoint(
    manager: EntityManager,
    delivery: Delivery,
    attempt: number,
  ): Promise<Rejection | DownstreamError | null> {
    await manager.query('SAVEPOINT inbox_event');
    try {
      await this.invoke(manager, delivery);
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

  /** Inserts the inbox rows; returns the ids not seen before (the events to apply). */
  private async claim(manager: EntityManager, deliveries: Delivery[]): Promise<Set<string>> {
    const params: unknown[] = [];
    // One row per id: a statement may not update the same row twice.
    const unique = [...new Map(deliveries.map((delivery) => [delivery.inboxId, delivery])).values()];
    const values = unique.map(({ inboxId, event, message }) => {
      const base = params.length;
      params.push(inboxId, event?.type ?? null, message.topic, message.partition, message.offset);
      return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5})`;
    });
    const rows: Array<{ id: string }> = await manager.query(
      `INSERT INTO ${this.inboxTable} (id, event_type, topic, kafka_partition, kafka_offset)
       VALUES ${values.join(', ')}
       ON CONFLICT (id) DO UPDATE SET status = 'applied', topic = EXCLUDED.topic,
         kafka_partition = EXCLUDED.kafka_partition, kafka_offset = EXCLUDED.kafka_offset, processed_at = now()
       -- A dead-lettered event had no effect: a replay of it (after the data was fixed) applies it.
       WHERE ${this.inboxTable}.status = 'dead_lettered'
       RETURNING id`,
      params,
    );
    return new Set(rows.map((row) => row.id));
  }

  private async invoke(manager: EntityManager, delivery: Delivery): Promise<void> {
    const event = delivery.event!;
    const { message } = delivery;
    const handler = this.getHandlerByPattern(message.topic);
    if (!handler) throw new EventRejected('no_handler', `No handler for topic ${message.topic}`);
    const { span, context: active } = startProcessSpan(
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

  private decode(message: InboundMessage): Delivery {
    const fallbackId = `${message.topic}/${message.partition}/${message.offset}`;
    let raw: unknown;
    try {
      raw = JSON.parse(message.value?.toString('utf8') ?? '');
    } catch {
      return {
        message,
        inboxId: fallbackId,
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
      const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : fallbackId;
      return { message, inboxId: id, event: null, rejection: toRejection(error) };
    }
  }
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
