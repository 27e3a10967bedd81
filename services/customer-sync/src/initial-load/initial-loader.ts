import { channel } from 'node:diagnostics_channel';

import type { DataSource, EntityManager } from 'typeorm';

import type { SourceSystem } from '@switchboard/contracts';
import {
  DEFAULT_MAX_FUTURE_SKEW_MS,
  type OwnershipConfig,
  type SourceChange,
} from '@switchboard/master-data';
import type { OutboxWriter } from '@switchboard/outbox';

import { BatchSync } from '../sync/batch-sync';
import { loadRecord } from './load-record';
import type { Checkpoint, RawRecord, RecordSource } from './record-source';

export interface LoadOptions {
  /** An export file or a system's API: the same records either way. */
  source: RecordSource;
  system: SourceSystem;
  batchSize: number;
  /** Source time of records without `changedAt` (the export's time). */
  asOf: number;
  publish: boolean;
  runId: string;
  /** A previous run's checkpoint (position 0, records 0 for a new load). */
  from: Checkpoint;
  counts: LoadCounts;
  failures: LoadFailure[];
  /** After each committed batch: the checkpoint it committed. */
  onProgress?: (at: Checkpoint, counts: LoadCounts) => void;
}

export interface LoadCounts {
  created: number;
  updated: number;
  unchanged: number;
  conflicts: number;
  failed: number;
  refused: number;
}

export interface LoadFailure {
  record: number;
  externalId: string | null;
  reason: string;
}

const MAX_FAILURES_KEPT = 1000;

export function emptyCounts(): LoadCounts {
  return { created: 0, updated: 0, unchanged: 0, conflicts: 0, failed: 0, refused: 0 };
}

/** A record of the source as a change of its system, with its record number for failures. */
interface LoadRecord {
  number: number;
  change: SourceChange;
}

/** A batch as read: its raw records, the valid ones as changes, and what the parse counted and refused. */
interface ReadBatch {
  raw: RawRecord[];
  valid: LoadRecord[];
  counts: LoadCounts;
  failures: LoadFailure[];
}

/** Source timestamps later than now plus this are refused (CUSTOMER_SYNC_MAX_FUTURE_SKEW_SECONDS, as the service). */
function maxFutureSkewMs(): number {
  const seconds = Number(process.env.CUSTOMER_SYNC_MAX_FUTURE_SKEW_SECONDS || Number.NaN);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : DEFAULT_MAX_FUTURE_SKEW_MS;
}

/**
 * Published (node:diagnostics_channel) after each committed batch: `{ runId, batches, records,
 * position }`. The resume test kills the process there from a preload; nothing in the load reads it.
 */
export const LOAD_BATCH_COMMITTED_CHANNEL = 'switchboard.initial-load.batch-committed';
const batchCommitted = channel(LOAD_BATCH_COMMITTED_CHANNEL);

/**
 * Loads a full customer export (a file, or a system's records read through its API) in batches: each batch's snapshot read set-based, planned by the
 * same rules as the live sync (`planBatch`), written with one round trip per kind of row, and a
 * checkpoint committed with each batch so a crashed load resumes exactly after the last committed
 * record, without duplicates.
 */
export class InitialLoader {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: OwnershipConfig,
    private readonly outbox: OutboxWriter,
  ) {}

  async run(options: LoadOptions): Promise<Checkpoint> {
    let at = options.from;
    let batches = 0;
    const source = options.source.read(options.from, options.batchSize);
    const readNext = async (): Promise<ReadBatch | null> => {
      const next = await source.next();
      if (next.done) return null;
      const counts = emptyCounts();
      const failures: LoadFailure[] = [];
      return { raw: next.value, valid: this.parse(next.value, options, counts, failures), counts, failures };
    };
    try {
      // The next batch is read and checked while this one is written: otherwise the database
      // waits for the parse and the parse for the database.
      let pending = readNext();
      for (let batch = await pending; batch !== null; batch = await pending) {
        pending = readNext();
        // Its failure is thrown where it is awaited; if this batch's write fails first, it is not.
        pending.catch(() => undefined);
        at = await this.commitBatch(batch, options);
        batches += 1;
        options.onProgress?.(at, options.counts);
        if (batchCommitted.hasSubscribers)
          batchCommitted.publish({
            runId: options.runId,
            batches,
            records: at.records,
            position: at.position,
          });
      }
    } finally {
      await source.return(undefined);
    }
    return at;
  }

  /** One batch in one transaction with its checkpoint: the position after its last record. */
  private async commitBatch(batch: ReadBatch, options: LoadOptions): Promise<Checkpoint> {
    const { raw, valid, counts: batchCounts, failures } = batch;
    const last = raw[raw.length - 1];
    await this.dataSource.transaction(async (m) => {
      // The batch's statements are index probes and appends; estimates from the statistics of a
      // table that grows under the load can exceed the JIT threshold, and compiling costs ~1 s.
      await m.query('SET LOCAL jit = off');
      await this.applyBatch(m, valid, options, batchCounts, failures);
      for (const key of Object.keys(batchCounts) as Array<keyof LoadCounts>)
        options.counts[key] += batchCounts[key];
      failures.sort((a, b) => a.record - b.record);
      for (const failure of failures)
        if (options.failures.length < MAX_FAILURES_KEPT) options.failures.push(failure);
      // byte_offset holds the source's position: a file's byte offset, the last Tryton party id.
      await m.query(
        `UPDATE load_run SET byte_offset = $2, records = $3, counts = $4::jsonb, failures = $5::jsonb, updated_at = now() WHERE id = $1`,
        [
          options.runId,
          last.position,
          last.number,
          JSON.stringify(options.counts),
          JSON.stringify(options.failures),
        ],
      );
    });
    return { position: last.position, records: last.number };
  }

  private parse(
    raw: RawRecord[],
    options: LoadOptions,
    counts: LoadCounts,
    failures: LoadFailure[],
  ): LoadRecord[] {
    const ctx = {
      config: this.config,
      system: options.system,
      asOf: options.asOf,
      runId: options.runId,
      now: Date.now(),
      maxFutureSkewMs: maxFutureSkewMs(),
    };
    const out: LoadRecord[] = [];
    for (const record of raw) {
      const outcome = loadRecord(record, ctx);
      if (outcome.ok) out.push({ number: record.number, change: outcome.change });
      else {
        counts.failed += 1;
        failures.push({ record: record.number, externalId: outcome.externalId, reason: outcome.reason });
      }
    }
    return out;
  }

  private async applyBatch(
    m: EntityManager,
    records: LoadRecord[],
    options: LoadOptions,
    counts: LoadCounts,
    failures: LoadFailure[],
  ): Promise<void> {
    if (records.length === 0) return;
    const batch = new BatchSync(this.config, this.outbox, {
      // A load has no echo memory to read: the export is the system's own state, not a reply to what was sent.
      echoTtlHours: null,
      maxFutureSkewMs: maxFutureSkewMs(),
      // The load reads the system's own export: it sends nothing back to it.
      sendToLinked: false,
      publish: options.publish,
    });
    const { plan, rejected } = await batch.apply(
      m,
      records.map((record) => record.change),
    );
    for (const { index, rejection } of rejected) {
      failures.push({
        record: records[index].number,
        externalId: records[index].change.externalId,
        reason: `a new ${rejection.entity} needs ${rejection.missing.join(', ')} (null or empty): refused`,
      });
    }
    counts.failed += rejected.length;
    counts.created += plan.tally.created;
    counts.updated += plan.tally.updated;
    counts.unchanged += plan.tally.unchanged;
    counts.conflicts += plan.tally.conflicts;
    counts.refused += plan.tally.refused;
  }
}
