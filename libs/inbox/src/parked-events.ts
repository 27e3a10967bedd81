import type { DataSource, EntityManager } from 'typeorm';

import type { InboundMessage } from '@switchboard/kafka';
import { quoteIdent } from '@switchboard/outbox';

/** One event to park: waiting for its own retry (`failure`) or behind an earlier one of its key. */
export interface ParkedEntry {
  inboxId: string;
  message: InboundMessage;
  failure: string | null;
  dueAt: Date;
}

/** A parked event taken for a retry. */
export interface TakenEvent {
  inboxId: string;
  message: InboundMessage;
}

/**
 * A claimed retry keeps its key for this long; a consumer that dies while retrying gives the key
 * back when it runs out. Longer than a retry of a whole claim can take (downstream timeouts
 * included), or a second consumer would retry the same key meanwhile: harmless (the inbox keeps
 * the effect single, the downstream gets the same idempotency key) but wasted.
 */
const CLAIM_LEASE_SECONDS = 120;

/** The Kafka key as parked: events without one wait behind each other, like in the partition. */
export const parkingKey = (message: InboundMessage): string => message.key ?? '';

/**
 * The `inbox_parked` table: events of keys whose downstream failed, kept with their message until
 * their retry, so their partition goes on. Every consumer of the group retries what is due,
 * whichever partitions it owns; the oldest event of a key goes first and the later ones of that key
 * only after it.
 */
export class ParkedEvents {
  /** Read by the transport too: a chunk's start looks for its keys' parked events (startChunk). */
  readonly table: string;

  constructor(
    schema: string,
    private readonly dataSource: DataSource,
  ) {
    this.table = `${quoteIdent(schema)}.inbox_parked`;
  }

  /**
   * Writes parked events in the caller's transaction. An event parked already takes the new failure
   * and due time when it failed again (its key was claimed for the retry, so nothing else retries
   * it); waiting behind an earlier one, it keeps its row: a redelivery after a crash must not move
   * a retry forward, and a row that only waits is due as soon as it is first of its key.
   */
  async park(manager: EntityManager, entries: ParkedEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const unique = [...new Map(entries.map((entry) => [entry.inboxId, entry])).values()];
    await manager.query(
      `INSERT INTO ${this.table}
         (id, topic, kafka_partition, kafka_offset, message_key, message_value, headers, message_timestamp, failure, due_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::bytea[],
                            $7::jsonb[], $8::text[], $9::text[], $10::timestamptz[])
       ON CONFLICT (id) DO UPDATE SET failure = EXCLUDED.failure, due_at = EXCLUDED.due_at
         WHERE EXCLUDED.failure IS NOT NULL`,
      [
        unique.map((entry) => entry.inboxId),
        unique.map((entry) => entry.message.topic),
        unique.map((entry) => entry.message.partition),
        unique.map((entry) => entry.message.offset),
        unique.map((entry) => parkingKey(entry.message)),
        unique.map((entry) => entry.message.value),
        unique.map((entry) => JSON.stringify(entry.message.headers)),
        unique.map((entry) => entry.message.timestamp),
        unique.map((entry) => entry.failure),
        unique.map((entry) => entry.dueAt.toISOString()),
      ],
    );
  }

  /** Finished events (applied, duplicate or dead-lettered) leave the table with their effect. */
  async release(manager: EntityManager, inboxIds: string[]): Promise<void> {
    if (inboxIds.length === 0) return;
    await manager.query(`DELETE FROM ${this.table} WHERE id = ANY($1::text[])`, [inboxIds]);
  }

  /**
   * Claims up to `keys` keys whose oldest parked event is due, with up to `perKey` of their parked
   * events each, in retry order (a long queue of one key goes in turns). The oldest event of each
   * claimed key is leased: the key is not claimed again until the retry set its next due time or
   * released it, or the lease ran out. The later events need no lease: none of them is first of
   * its key while the leased one is there.
   */
  async claimDue(keys: number, perKey: number): Promise<TakenEvent[]> {
    const rows: Array<{
      id: string;
      topic: string;
      kafka_partition: number;
      kafka_offset: string;
      message_key: string;
      message_value: Buffer | null;
      headers: Record<string, string>;
      message_timestamp: string;
    }> = await this.dataSource.query(
      `WITH heads AS (
         SELECT id, topic, message_key FROM ${this.table} p
         WHERE due_at <= now() AND NOT EXISTS (
           SELECT 1 FROM ${this.table} e WHERE e.topic = p.topic AND e.message_key = p.message_key
             AND (e.kafka_partition, e.kafka_offset) < (p.kafka_partition, p.kafka_offset))
         ORDER BY due_at LIMIT $1
         FOR UPDATE SKIP LOCKED
       ), leased AS (
         UPDATE ${this.table} p SET due_at = now() + make_interval(secs => ${CLAIM_LEASE_SECONDS})
         FROM heads h WHERE p.id = h.id
         RETURNING p.id
       )
       SELECT * FROM (
         SELECT p.*, row_number() OVER (
           PARTITION BY p.topic, p.message_key ORDER BY p.kafka_partition, p.kafka_offset) AS turn
         FROM ${this.table} p JOIN heads h ON p.topic = h.topic AND p.message_key = h.message_key
       ) queued
       WHERE turn <= $2
       ORDER BY topic, message_key, turn`,
      [keys, perKey],
    );
    return rows.map((row) => ({
      inboxId: row.id,
      message: {
        topic: row.topic,
        partition: row.kafka_partition,
        offset: String(row.kafka_offset),
        key: row.message_key === '' ? null : row.message_key,
        value: row.message_value,
        headers: row.headers,
        timestamp: row.message_timestamp,
      },
    }));
  }

  /** How many events wait, and for how long the oldest has: what Kafka's lag no longer shows. */
  async backlog(): Promise<{ events: number; oldestSeconds: number }> {
    const [row]: Array<{ events: number; oldest_seconds: number | null }> = await this.dataSource.query(
      `SELECT count(*)::int AS events, extract(epoch FROM now() - min(parked_at))::float8 AS oldest_seconds
       FROM ${this.table}`,
    );
    return { events: row?.events ?? 0, oldestSeconds: row?.oldest_seconds ?? 0 };
  }
}
