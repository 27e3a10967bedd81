import { SpanStatusCode, type Span } from '@opentelemetry/api';
import type { Client } from 'pg';

import {
  MessageTooLargeError,
  UnknownTopicError,
  type MessagePublisher,
  type OutboundMessage,
} from '@switchboard/kafka';
import { startPublishSpan } from '@switchboard/telemetry';

import { LeaderLock } from './leader-lock';
import { outboxChannel, outboxLockKey, quoteIdent } from './outbox-naming';
import { registerLocalRelay } from './outbox-signal';
import { DEFAULT_MAX_REQUEST_BYTES, recordBytes, splitByBytes } from './publish-batches';

export interface RelayLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface OutboxRelayOptions {
  schema: string;
  databaseUrl: string;
  publisher: MessagePublisher;
  logger: RelayLogger;
  /** The relay session's client class: pg's own, or one that prepares its statements. */
  clientClass?: typeof Client;
  /** Rows read and published per round trip. */
  batchSize?: number;
  /** Fallback poll when no wake-up arrives (a lost one never strands a row for longer). */
  pollIntervalMs?: number;
  /**
   * How long a woken relay waits before it reads (Kafka's linger.ms, on the outbox): commits that
   * arrive meanwhile share its read, its produce request and its mark. 0 reads at once.
   */
  lingerMs?: number;
  /** How often a standby replica retries to become the active relay. */
  standbyRetryMs?: number;
  /** Published rows are kept this long for inspection and replay, then deleted. */
  retentionHours?: number;
  /** How often published rows past their retention are deleted. */
  sweepIntervalMs?: number;
  onPublished?: (messages: OutboundMessage[]) => void;
  /** A topic Kafka does not know (missing: true), or knows again (false). */
  onTopicMissing?: (topic: string, missing: boolean) => void;
  /** How often the rows of a missing topic are tried again. */
  missingTopicRetryMs?: number;
  /** A row Kafka refused as too large for its topic was moved to outbox_set_aside. */
  onSetAside?: (topic: string) => void;
  /**
   * Longest a query of the relay's own connection may take before the connection is taken for
   * dead and dropped (its lock with it); also the server's TCP user timeout for that session.
   */
  queryTimeoutMs?: number;
  /** Bytes per produce request (default DEFAULT_MAX_REQUEST_BYTES, under Kafka's default 1 MiB). */
  maxRequestBytes?: number;
  /**
   * The longest `stop()` takes: the round in progress and the final flush share it. Past it, the rows
   * not yet published stay in the table for the next active relay (a standby or the next release);
   * a Kafka that is down never holds a shutdown beyond its grace period.
   */
  stopTimeoutMs?: number;
}

interface OutboxRow {
  position: string;
  topic: string;
  message_key: string;
  payload: string;
  headers: Record<string, string>;
}

type RelayState = 'stopped' | 'standby' | 'active';

interface PublishItem {
  row: OutboxRow;
  span: Span;
  message: OutboundMessage;
}

interface Published {
  messages: OutboundMessage[];
  setAside: Array<{ row: OutboxRow; reason: string }>;
}

/**
 * Publishes committed outbox rows to Kafka in commit-visible position order.
 *
 * Exactly one relay per outbox is active: it holds a session-level advisory lock on its own
 * connection, so a crashed leader's lock is released by PostgreSQL and a standby takes over.
 * A row is marked published only after Kafka acknowledged it (acks=all, idempotent producer), so a
 * crash in between re-publishes the row; consumers drop the copy through their inbox.
 */
export class OutboxRelay {
  private readonly table: string;
  private readonly setAsideTable: string;
  private readonly maxRequestBytes: number;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly lingerMs: number;
  private readonly standbyRetryMs: number;
  private readonly retentionMs: number;
  private readonly queryTimeoutMs: number;
  private readonly missingTopicRetryMs: number;
  /** Topics Kafka does not know, and when to try each again. */
  private readonly missingTopics = new Map<string, number>();
  /** The relay's own session: it holds the leadership (advisory lock) and does all the relay's queries. */
  private readonly leader: LeaderLock;
  private state: RelayState = 'stopped';
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  /** Set by a wake-up; one that arrives mid-drain must not be lost until the next poll. */
  private notified = false;
  private unregisterLocal: (() => void) | null = null;
  private lastSweep = 0;
  private publisherConnected = false;
  /** Set by stop(): drain() gives up past it. */
  private stopDeadline = Number.POSITIVE_INFINITY;

  constructor(private readonly options: OutboxRelayOptions) {
    this.table = `${quoteIdent(options.schema)}.outbox_message`;
    this.setAsideTable = `${quoteIdent(options.schema)}.outbox_set_aside`;
    this.maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    this.batchSize = options.batchSize ?? 2_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.lingerMs = options.lingerMs ?? 0;
    this.standbyRetryMs = options.standbyRetryMs ?? 2_000;
    this.retentionMs = (options.retentionHours ?? 72) * 3_600_000;
    this.queryTimeoutMs = options.queryTimeoutMs ?? 10_000;
    this.missingTopicRetryMs = options.missingTopicRetryMs ?? 30_000;
    this.leader = new LeaderLock({
      databaseUrl: options.databaseUrl,
      lockKey: outboxLockKey(options.schema),
      applicationName: 'outbox-relay',
      queryTimeoutMs: this.queryTimeoutMs,
      clientClass: options.clientClass,
      onSession: async (client) => {
        // Sent by writers in other processes (a standby replica's), after their commit.
        client.on('notification', () => this.onNotified());
        await client.query(`LISTEN ${quoteIdent(outboxChannel(options.schema))}`);
        // Marking a row published leaves a dead entry in the pending index until VACUUM. A plain
        // index scan flags each dead entry it meets once no open transaction can still see the row,
        // so the next read skips it; the bitmap scan the planner picks once the table has grown never
        // does, and every read visited every row published since the last VACUUM (4 ms per read after
        // 6,500 rows, BENCHMARKS.md). A long transaction elsewhere delays the flagging, it does not
        // stop it. This connection runs only the relay's statements.
        await client.query('SET enable_bitmapscan = off');
      },
      onLost: (error) => {
        this.options.logger.warn('outbox relay connection lost', { error: error.message });
        void this.release();
      },
    });
  }

  private get client(): Client | null {
    return this.leader.client;
  }

  get status(): RelayState {
    return this.state;
  }

  /** Healthy when connected and either publishing (to every topic it has rows for) or waiting as a standby. */
  isHealthy(): boolean {
    return (
      this.running &&
      this.client !== null &&
      (this.state === 'standby' || (this.publisherConnected && this.missingTopics.size === 0))
    );
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopDeadline = Number.POSITIVE_INFINITY;
    // Writers in this process wake it in memory after their commit (outbox-signal.ts).
    this.unregisterLocal = registerLocalRelay(this.options.schema, () => {
      if (this.state !== 'active') return false;
      this.onNotified();
      return true;
    });
    this.loop = this.run();
  }

  /**
   * Stops after publishing what is committed (a graceful shutdown flushes the outbox), within
   * `stopTimeoutMs`: what is left then is published by the next active relay.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unregisterLocal?.();
    this.unregisterLocal = null;
    this.stopDeadline = Date.now() + (this.options.stopTimeoutMs ?? 10_000);
    this.wake?.();
    let finished = await this.beforeDeadline(this.loop ?? Promise.resolve());
    if (finished && this.state === 'active') {
      finished = await this.beforeDeadline(
        this.drain().catch((error: unknown) =>
          this.options.logger.warn('outbox flush on shutdown failed', { error: String(error) }),
        ),
      );
    }
    if (!finished) {
      this.options.logger.warn(
        'outbox flush stopped at its deadline; the next active relay publishes the rest',
        {
          schema: this.options.schema,
          stopTimeoutMs: this.options.stopTimeoutMs ?? 10_000,
        },
      );
    }
    await this.release();
  }

  /** Whether `work` settled before the stop deadline (it is not cancelled, only no longer awaited). */
  private beforeDeadline(work: Promise<unknown>): Promise<boolean> {
    return this.within(Math.max(0, this.stopDeadline - Date.now()), work);
  }

  /** Whether `work` settled within `ms` (it is not cancelled, only no longer awaited). */
  private async within(ms: number, work: Promise<unknown>): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([work.then(() => true as const), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        if (!(await this.ensureActive())) {
          await this.sleep(this.standbyRetryMs, false);
          continue;
        }
        const { caughtUp } = await this.drain();
        await this.sweepIfDue();
        failures = 0;
        if (caughtUp) {
          await this.sleep(this.pollIntervalMs, true);
          if (this.lingerMs > 0) await this.sleep(this.lingerMs, false);
        }
      } catch (error) {
        if (error instanceof UnknownTopicError) {
          for (const topic of error.topics) this.setTopicMissing(topic);
          continue;
        }
        failures += 1;
        this.options.logger.error('outbox relay iteration failed', {
          schema: this.options.schema,
          error: error instanceof Error ? error.message : String(error),
          failures,
        });
        await this.release();
        await this.sleep(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)), false);
      }
    }
  }

  /**
   * Publishes every pending row, batch after batch; returns how many were published. While Kafka
   * acknowledges one batch, the connection marks the batch before it and reads the one after it,
   * so Kafka and PostgreSQL work at the same time. A batch is still published only once the one
   * before it was acknowledged (per-key order), and marked only after its own acknowledgement.
   *
   * Caught up when its last read found less than a batch: whatever commits after that read wakes
   * the relay (`notified`, reset here first), so reading again at once would only find nothing.
   * At a few events per commit that empty read was a third of the relay's round trips.
   */
  private async drain(): Promise<{ published: number; caughtUp: boolean }> {
    const client = this.client;
    if (!client) return { published: 0, caughtUp: true };
    let total = 0;
    let caughtUp = false;
    this.notified = false;
    // The connection runs one query at a time: each step starts once the one before it is done.
    let marking: Promise<void> = Promise.resolve();
    let rows = await this.read(client, null);
    while (rows.length > 0 && Date.now() < this.stopDeadline) {
      const batch = rows;
      const publishing = this.publish(batch);
      // Rows after this batch; rows committed meanwhile below it are read by the next drain.
      const after = batch.length === this.batchSize ? batch[batch.length - 1].position : null;
      caughtUp = after === null;
      const reading = marking.then(() => (after === null ? [] : this.read(client, after)));
      // A failed publish ends the drain; what runs beside it must not become an unhandled rejection.
      reading.catch(() => undefined);
      const { messages, setAside } = await publishing;
      rows = await reading;
      marking = this.mark(client, batch, setAside).then(() => {
        this.options.onPublished?.(messages);
        total += batch.length;
      });
      marking.catch(() => undefined);
    }
    await marking;
    return { published: total, caughtUp: caughtUp || total === 0 };
  }

  /** The next pending rows in position order, after `after` when given, but for missing topics. */
  private async read(client: Client, after: string | null): Promise<OutboxRow[]> {
    const now = Date.now();
    const skipped = [...this.missingTopics].filter(([, retryAt]) => retryAt > now).map(([topic]) => topic);
    // Two texts, not `$2 IS NULL OR position > $2`: a prepared statement's generic plan cannot
    // make that a bound of the index scan, and would walk the batch still being published.
    const { rows } = await client.query<OutboxRow>(
      `SELECT position, topic, message_key, payload, headers FROM ${this.table}
       WHERE published_at IS NULL ${after === null ? '' : 'AND position > $3::bigint'}
         AND NOT (topic = ANY($2::text[]))
       ORDER BY position LIMIT $1`,
      after === null ? [this.batchSize, skipped] : [this.batchSize, skipped, after],
    );
    return rows;
  }

  /**
   * A topic Kafka does not know: its rows wait (in order) and are tried again every
   * `missingTopicRetryMs`, while every other topic keeps flowing; the relay reports unhealthy and
   * logs and counts it until the topic exists.
   */
  private setTopicMissing(topic: string): void {
    const known = this.missingTopics.has(topic);
    this.missingTopics.set(topic, Date.now() + this.missingTopicRetryMs);
    if (known) return;
    this.options.logger.error('outbox topic missing in Kafka: its messages wait, the other topics flow on', {
      schema: this.options.schema,
      topic,
    });
    this.options.onTopicMissing?.(topic, true);
  }

  private setTopicsFound(messages: OutboundMessage[]): void {
    if (this.missingTopics.size === 0) return;
    for (const topic of new Set(messages.map((message) => message.topic))) {
      if (!this.missingTopics.delete(topic)) continue;
      this.options.logger.info('outbox topic found again; its messages are published', {
        schema: this.options.schema,
        topic,
      });
      this.options.onTopicMissing?.(topic, false);
    }
  }

  /**
   * One `publish` span per message, in the trace its row carries; Kafka gets that span's context.
   * Sent in requests of at most `maxRequestBytes`, one after the other (per-key order). A request
   * the broker refuses as too large is halved until it passes; a single message too large for its
   * topic is set aside. Returns the messages sent and the rows set aside.
   */
  private async publish(rows: OutboxRow[]): Promise<Published> {
    const spans = rows.map((row) =>
      startPublishSpan({
        id: row.headers.ce_id,
        topic: row.topic,
        key: row.message_key,
        headers: row.headers,
      }),
    );
    const items = rows.map((row, index) => ({
      row,
      span: spans[index].span,
      message: {
        topic: row.topic,
        key: row.message_key,
        value: row.payload,
        headers: { ...row.headers, ...spans[index].headers },
      },
    }));
    const published: Published = { messages: [], setAside: [] };
    try {
      for (const group of splitByBytes(items, (item) => recordBytes(item.message), this.maxRequestBytes))
        await this.send(group, published);
    } catch (error) {
      for (const { span } of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      for (const { span } of spans) span.end();
    }
    return published;
  }

  private async send(items: PublishItem[], published: Published): Promise<void> {
    try {
      const messages = items.map((item) => item.message);
      await this.options.publisher.publish(messages);
      published.messages.push(...messages);
      this.setTopicsFound(messages);
    } catch (error) {
      if (!(error instanceof MessageTooLargeError)) throw error;
      if (items.length > 1) {
        // The topic takes less than a request holds (a lower max.message.bytes). What the refused
        // request wrote to other partitions, if anything, is sent again: consumers drop the copy.
        const half = Math.ceil(items.length / 2);
        await this.send(items.slice(0, half), published);
        await this.send(items.slice(half), published);
        return;
      }
      const [{ row, span }] = items;
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      published.setAside.push({ row, reason: error.message });
      this.options.logger.error('outbox message too large for its topic: set aside, the rest flows on', {
        schema: this.options.schema,
        topic: row.topic,
        position: row.position,
        bytes: recordBytes(items[0].message),
      });
    }
  }

  /** Moves set-aside rows out of the outbox (kept whole in outbox_set_aside) and marks the rest published. */
  private async mark(client: Client, rows: OutboxRow[], setAside: Published['setAside']): Promise<void> {
    const aside = new Set(setAside.map(({ row }) => row.position));
    if (aside.size > 0) {
      await client.query(
        `WITH moved AS (
           DELETE FROM ${this.table} WHERE position = ANY($1::bigint[])
           RETURNING position, id, topic, message_key, event_type, payload, headers, created_at
         )
         INSERT INTO ${this.setAsideTable} (position, id, topic, message_key, event_type, payload, headers, created_at, reason)
         SELECT moved.*, r.reason FROM moved JOIN unnest($1::bigint[], $2::text[]) AS r(position, reason) USING (position)`,
        [setAside.map(({ row }) => row.position), setAside.map(({ reason }) => reason)],
      );
      for (const { row } of setAside) this.options.onSetAside?.(row.topic);
    }
    await client.query(`UPDATE ${this.table} SET published_at = now() WHERE position = ANY($1::bigint[])`, [
      rows.filter((row) => !aside.has(row.position)).map((row) => row.position),
    ]);
  }

  private async sweepIfDue(): Promise<void> {
    const now = Date.now();
    if (!this.client || now - this.lastSweep < (this.options.sweepIntervalMs ?? 60_000)) return;
    this.lastSweep = now;
    await this.client.query(
      `DELETE FROM ${this.table} WHERE position IN (
         SELECT position FROM ${this.table}
         WHERE published_at < now() - make_interval(secs => $1) LIMIT 50000)`,
      [this.retentionMs / 1000],
    );
  }

  private async ensureActive(): Promise<boolean> {
    if (this.state === 'active' && this.client) return true;
    if (!(await this.leader.acquire())) {
      this.state = 'standby';
      return false;
    }
    if (!this.publisherConnected) {
      await this.options.publisher.connect();
      this.publisherConnected = true;
    }
    this.state = 'active';
    this.options.logger.info('outbox relay is active', { schema: this.options.schema });
    return true;
  }

  private onNotified(): void {
    this.notified = true;
    if (this.state === 'active') this.wake?.();
  }

  private async release(): Promise<void> {
    this.state = 'stopped';
    await this.leader.release();
    if (this.publisherConnected && !this.running) {
      this.publisherConnected = false;
      await this.options.publisher.disconnect().catch(() => undefined);
    }
  }

  /** Waits `ms`, or less when stopping or (if `wakeOnNotify`) when new rows were committed. */
  private sleep(ms: number, wakeOnNotify: boolean): Promise<void> {
    if (!this.running || (wakeOnNotify && this.notified)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
