/**
 * Where a load stands: the position after the last committed record and how many records that is.
 * The position is the source's own: a file's byte offset, the last Tryton party id read.
 */
export interface Checkpoint {
  position: number;
  records: number;
}

/** One record of a source, with the checkpoint position after it (where a resumed load starts). */
export interface RawRecord {
  /** 1-based record number in the source (a CSV header is not a record). */
  number: number;
  /** The position after this record: a file's byte offset after it, a party's id. */
  position: number;
  value: Record<string, unknown> | null;
  /** Why the record could not be read at all (bad JSON, wrong column count). */
  error?: string;
}

/** An export file's format, or the system a pull reads. */
export type SourceFormat = 'ndjson' | 'csv' | 'tryton';

/** How `load_run` knows a source again, so that the same command after a crash resumes its load. */
export interface SourceIdentity {
  /** The file's path, or the system's address (`tryton:<url>/<database>`), as `load_run` keeps it. */
  location: string;
  /** The name the report shows (a file's base name). */
  name: string;
  /** The progress bar's total: a file's bytes, the number of parties to read. */
  size: number;
  fingerprint: string;
}

/**
 * The port a load reads its records through: an export file or a system's API. Every source hands
 * the same record shape (`{externalId, entity?, changedAt?, fields}`), so the validation, planning,
 * writes and reports after it are one code path.
 */
export interface RecordSource {
  /** What load_run records as the run's format. */
  readonly format: SourceFormat;
  identify(): Promise<SourceIdentity>;
  /** The records after a checkpoint, `batchSize` at most per batch (one transaction each). */
  read(from: Checkpoint, batchSize: number): AsyncGenerator<RawRecord[]>;
  /** How far a checkpoint is, in the unit of the identity's size. */
  progressOf(at: Checkpoint): number;
  /** A checkpoint in words, for the resume message. */
  describe(at: Checkpoint, size: number): string;
}

/** How far a load is, in the unit of its size: a file's bytes read, or the parties a pull has read. */
export function progressIn(format: SourceFormat, at: Checkpoint): number {
  return format === 'tryton' ? at.records : at.position;
}
