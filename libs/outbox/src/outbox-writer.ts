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
    const { inserted } = await this.insert(manager, events.map(toRecord), eventAttributes(events));
    return inserted;
  }

  async enqueue(manager: EntityManager, records: OutboxRecord[]): Promise<string[]> {
    const { inserted } = await this.insert(manager, records, []);
    return inserted;
  }

  /**
   * One statement, one round trip, no transaction around it: `guard` (an INSERT ... RETURNING, say a
   * ledger row) runs first, and the events are enqueued only if it returned a row. Returns whether
   * it did, and the event ids inserted.
   */
  async enqueueEventsIf(
    manager: EntityManager,
    guard: GuardStatement,
    events: CloudEvent[],
  ): Promise<{ guarded: boolean; inserted: string[] }> {
    const { inserted, guarded } = await this.insert(
      manager,
      events.map(toRecord),
      eventAttributes(events),
      guard,
    );
    return { inserted, guarded: guarded ?? false };
  }

  /**
   * A `create <topic>` span per message covers the insert; the row keeps that span's traceparent,
   * so the relay's `publish` span and every consumer continue the trace from it.
   */
  private async insert(
    manager: EntityManager,
    unspanned: OutboxRecord[],
    attributes: Attributes[],
    guard?: GuardStatement,
  ): Promise<{ inserted: string[]; guarded?: boolean }> {
    if (unspanned.length === 0) return { inserted: [] };
    const spans = unspanned.map((record, index) =>
      record.headers.traceparent ? startCreateSpan(record, attributes[index]) : null,
    );
    const records = unspanned.map((record, index) => {
      const created = spans[index];
      return created?.headers.traceparent
        ? { ...record, headers: { ...record.headers, ...created.headers } }
        : record;
    });
    try {
      const written = await this.write(manager, records, guard);
      if (written.inserted.length > 0) afterOutboxWrite(manager.dataSource, manager.queryRunner, this.schema);
      return written;
    } finally {
      for (const created of spans) created?.span.end();
    }
  }

  private async write(
    manager: EntityManager,
    records: OutboxRecord[],
    guard?: GuardStatement,
  ): Promise<{ inserted: string[]; guarded?: boolean }> {
    const params: unknown[] = [...(guard?.params ?? [])];
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
    const columns = 'id, topic, message_key, event_type, payload, headers';
    if (!guard) {
      const rows: Array<{ id: string }> = await manager.query(
        `INSERT INTO ${this.table} (${columns})
         VALUES ${values.join(', ')}
         ON CONFLICT (id) DO NOTHING
         RETURNING id`,
        params,
      );
      return { inserted: rows.map((row) => row.id) };
    }
    // Data-modifying CTEs all run, referenced or not; the outbox rows are filtered on the guard's.
    const [row]: Array<{ guarded: boolean; inserted: string[] }> = await manager.query(
      `WITH guard AS (${guard.sql}),
       outbox AS (
         INSERT INTO ${this.table} (${columns})
         SELECT v.id::uuid, v.topic, v.message_key, v.event_type, v.payload, v.headers::jsonb
         FROM (VALUES ${values.join(', ')}) AS v(${columns})
         WHERE EXISTS (SELECT 1 FROM guard)
         ON CONFLICT (id) DO NOTHING
         RETURNING id
       )
       SELECT EXISTS (SELECT 1 FROM guard) AS guarded,
         coalesce((SELECT array_agg(id::text) FROM outbox), '{}') AS inserted`,
      params,
    );
    return { guarded: row.guarded, inserted: row.inserted };
  }
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
