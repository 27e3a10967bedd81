import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import type { CloudEvent, SourceSystem } from '@switchboard/contracts';
import { OutboxWriter, type PreparedEvents } from '@switchboard/outbox';

/** One accepted request: its ledger row and the event it publishes. */
export interface LedgerEntry {
  id: string;
  source: SourceSystem;
  sourceEventId: string;
  bodySha256: string;
  event: CloudEvent;
}

interface Pending {
  entry: LedgerEntry;
  events: PreparedEvents;
  resolve: (guarded: boolean) => void;
  reject: (error: unknown) => void;
}

/**
 * Statements in flight at once. Requests that arrive meanwhile wait and go together in the next
 * one: alone at a low rate (no added wait), dozens per statement under load.
 */
const MAX_IN_FLIGHT = 3;
/** Entries per statement: bounds its parameters and how long one statement takes. */
const MAX_BATCH = 256;

/**
 * Writes the ledger row and the outbox row of each accepted request, many requests per statement
 * (a group commit): on this hardware a round trip to PostgreSQL costs the caller more CPU than the
 * statement costs the server, and every commit waits for its own WAL flush.
 *
 * Each request still gets its own answer: whether its ledger row is new (else it is a re-send).
 * Two requests with the same id never share a statement, so the second sees the first's row. A
 * statement that fails is tried again one request at a time, so one request's failure is its own.
 */
@Injectable()
export class LedgerWriter {
  private readonly queue: Pending[] = [];
  private inFlight = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
  ) {}

  /** Whether the ledger row was new, once it and the event's outbox row are committed. */
  async write(entry: LedgerEntry): Promise<boolean> {
    // The outbox row's `create` span starts here, in the request's own trace.
    const events = this.outbox.prepareEvents([entry.event]);
    try {
      return await new Promise<boolean>((resolve, reject) => {
        this.queue.push({ entry, events, resolve, reject });
        this.flush();
      });
    } finally {
      events.end();
    }
  }

  private flush(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const batch = this.take();
      this.inFlight += 1;
      void this.writeBatch(batch).finally(() => {
        this.inFlight -= 1;
        this.flush();
      });
    }
  }

  /** The queue's head, up to MAX_BATCH, without a second entry of an id already taken. */
  private take(): Pending[] {
    const ids = new Set<string>();
    const batch: Pending[] = [];
    for (let at = 0; at < this.queue.length && batch.length < MAX_BATCH;) {
      const pending = this.queue[at];
      if (ids.has(pending.entry.id)) {
        at += 1;
        continue;
      }
      ids.add(pending.entry.id);
      batch.push(pending);
      this.queue.splice(at, 1);
    }
    return batch;
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    try {
      const guarded = await this.outbox.enqueuePreparedIfEach(
        this.dataSource.manager,
        {
          sql: `INSERT INTO received_event (id, source, source_event_id, event_type, body_sha256)
                SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])
                ON CONFLICT (source, source_event_id) DO NOTHING
                RETURNING id::text AS key`,
          params: [
            batch.map(({ entry }) => entry.id),
            batch.map(({ entry }) => entry.source),
            batch.map(({ entry }) => entry.sourceEventId),
            batch.map(({ entry }) => entry.event.type),
            batch.map(({ entry }) => entry.bodySha256),
          ],
        },
        batch.map(({ entry, events }) => ({ key: entry.id, events })),
      );
      for (const pending of batch) pending.resolve(guarded.has(pending.entry.id));
    } catch (error) {
      if (batch.length === 1) {
        batch[0].reject(error);
        return;
      }
      await Promise.all(batch.map((pending) => this.writeBatch([pending])));
    }
  }
}
