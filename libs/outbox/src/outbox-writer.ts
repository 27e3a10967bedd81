import type { Attributes } from '@opentelemetry/api';
import type { EntityManager } from 'typeorm';

import { EVENT_CATALOG, type CloudEvent } from '@switchboard/contracts';
import { businessAttributes, startCreateSpan } from '@switchboard/telemetry';

import { quoteIdent } from './outbox-naming';
import { afterOutboxWrite } from './outbox-signal';

/** One row to publish. `id` is the message id: inserting the same id twice publishes once. */
export interface OutboxRecord {
  id: string;
  topic: string;
  key: string;
  type: string;
  payload: string;
  headers: Record<string, string>;
}

/**
 * Writes outgoing messages in the caller's transaction: the rows commit (and are later published by
 * the relay) if and only if the business change beside them commits.
 */
export class OutboxWriter {
  private readonly table: string;

  constructor(private readonly schema: string) {
    this.table = `${quoteIdent(schema)}.outbox_message`;
  }

  /** Enqueues CloudEvents on their catalog topic, keyed by their aggregate. Returns the ids actually inserted. */
  async enqueueEvents(manager: EntityManager, events: CloudEvent[]): Promise<string[]> {
    return this.insert(manager, events.map(toRecord), eventAttributes(events));
  }

  async enqueue(manager: EntityManager, records: OutboxRecord[]): Promise<string[]> {
    return this.insert(manager, records, []);
  }

  /**
   * The outbox rows of `events`, each with its `create` span started now, in the caller's context:
   * for a writer that gathers the rows of many callers into one statement (enqueuePreparedIfEach).
   */
  prepareEvents(events: CloudEvent[]): PreparedEvents {
    return prepare(events.map(toRecord), eventAttributes(events));
  }

  /**
   * Many guarded enqueues in one statement: a group commit of independent writers (ingest's
   * concurrent requests), one round trip and one commit for all. `guard.sql` inserts one row per
   * entry from array parameters ($1 upwards) and returns the `key` of each row it inserted; an
   * entry's rows are enqueued only if its key came back, in the order of `entries`. Returns the
   * keys that came back. The caller ends the entries' spans.
   */
  async enqueuePreparedIfEach(
    manager: EntityManager,
    guard: GuardStatement,
    entries: Array<{ key: string; events: PreparedEvents }>,
  ): Promise<Set<string>> {
    const rows = entries.flatMap(({ key, events }) => events.records.map((record) => ({ key, record })));
    const at = (n: number) => `$${guard.params.length + n}`;
    const [row]: Array<{ guarded: string[]; inserted: number }> = await manager.query(
      `WITH guard AS (${guard.sql}),
       outbox AS (
         INSERT INTO ${this.table} (${COLUMNS})
         SELECT v.id, v.topic, v.message_key, v.event_type, v.payload, v.headers::jsonb
         FROM unnest(${at(1)}::uuid[], ${at(2)}::text[], ${at(3)}::text[], ${at(4)}::text[], ${at(5)}::text[],
                     ${at(6)}::text[], ${at(7)}::text[])
           WITH ORDINALITY AS v(id, topic, message_key, event_type, payload, headers, guard_key, ord)
         WHERE v.guard_key IN (SELECT key FROM guard)
         ORDER BY v.ord
         ON CONFLICT (id) DO NOTHING
         RETURNING 1
       )
       SELECT coalesce((SELECT array_agg(key) FROM guard), '{}') AS guarded,
         (SELECT count(*)::int FROM outbox) AS inserted`,
      [
        ...guard.params,
        rows.map(({ record }) => record.id),
        rows.map(({ record }) => record.topic),
        rows.map(({ record }) => record.key),
        rows.map(({ record }) => record.type),
        rows.map(({ record }) => record.payload),
        rows.map(({ record }) => JSON.stringify(record.headers)),
        rows.map(({ key }) => key),
      ],
    );
    if (row.inserted > 0) afterOutboxWrite(manager.dataSource, manager.queryRunner, this.schema);
    return new Set(row.guarded);
  }

  private async insert(
    manager: EntityManager,
    unspanned: OutboxRecord[],
    attributes: Attributes[],
  ): Promise<string[]> {
    if (unspanned.length === 0) return [];
    const { records, end } = prepare(unspanned, attributes);
    try {
      const params: unknown[] = [];
      const values = records.map((record) => {
        const base = params.length;
        params.push(
          record.id,
          record.topic,
          record.key,
          record.type,
          record.payload,
          JSON.stringify(record.headers),
        );
        return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5}, $${base + 6}::jsonb)`;
      });
      const rows: Array<{ id: string }> = await manager.query(
        `INSERT INTO ${this.table} (${COLUMNS})
         VALUES ${values.join(', ')}
         ON CONFLICT (id) DO NOTHING
         RETURNING id`,
        params,
      );
      if (rows.length > 0) afterOutboxWrite(manager.dataSource, manager.queryRunner, this.schema);
      return rows.map((row) => row.id);
    } finally {
      end();
    }
  }
}

const COLUMNS = 'id, topic, message_key, event_type, payload, headers';

/** Outbox rows with their `create` spans, started; `end` them once the statement that wrote them ran. */
export interface PreparedEvents {
  records: OutboxRecord[];
  end: () => void;
}

/**
 * A `create <topic>` span per message covers its insert; the row keeps that span's traceparent, so
 * the relay's `publish` span and every consumer continue the trace from it.
 */
function prepare(unspanned: OutboxRecord[], attributes: Attributes[]): PreparedEvents {
  const spans = unspanned.map((record, index) =>
    record.headers.traceparent ? startCreateSpan(record, attributes[index]) : null,
  );
  const records = unspanned.map((record, index) => {
    const created = spans[index];
    return created?.headers.traceparent
      ? { ...record, headers: { ...record.headers, ...created.headers } }
      : record;
  });
  return {
    records,
    end: () => {
      for (const created of spans) created?.span.end();
    },
  };
}

/** A statement that returns rows (INSERT ... RETURNING) with its parameters, $1 upwards. */
export interface GuardStatement {
  sql: string;
  params: unknown[];
}

function eventAttributes(events: CloudEvent[]): Attributes[] {
  return events.map((event) => ({ 'switchboard.event.type': event.type, ...businessAttributes(event.data) }));
}

function toRecord(event: CloudEvent): OutboxRecord {
  const definition = EVENT_CATALOG[event.type];
  // Binary-mode CloudEvents headers let subscribers route without parsing the body; the body stays
  // the full structured event so nothing depends on headers surviving a hop.
  const headers: Record<string, string> = {
    'content-type': 'application/cloudevents+json; charset=utf-8',
    ce_id: event.id,
    ce_type: event.type,
    ce_source: event.source,
    ce_specversion: event.specversion,
  };
  if (event.traceparent) headers.traceparent = event.traceparent;
  if (event.tracestate) headers.tracestate = event.tracestate;
  return {
    id: event.id,
    topic: definition.topic,
    key: (definition.aggregateKey as (data: unknown) => string)(event.data),
    type: event.type,
    payload: JSON.stringify(event),
    headers,
  };
}
