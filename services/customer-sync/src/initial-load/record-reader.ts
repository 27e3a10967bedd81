import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';

import { parse, type CsvError, type Options, type Parser } from 'csv-parse';

import {
  progressIn,
  type Checkpoint,
  type RawRecord,
  type RecordSource,
  type SourceIdentity,
} from './record-source';

export type FileFormat = 'ndjson' | 'csv';

export function formatOf(path: string, explicit?: string): FileFormat {
  if (explicit === 'csv' || explicit === 'ndjson') return explicit;
  return /\.csv$/i.test(path) ? 'csv' : 'ndjson';
}

/** Cheap identity of a file (size, head and tail), so a rerun of the same export resumes it. */
export function fingerprint(path: string): { size: number; fingerprint: string } {
  const size = statSync(path).size;
  const hash = createHash('sha256').update(String(size));
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(Math.min(65_536, size));
    readSync(fd, chunk, 0, chunk.length, 0);
    hash.update(chunk);
    readSync(fd, chunk, 0, chunk.length, Math.max(0, size - chunk.length));
    hash.update(chunk);
  } finally {
    closeSync(fd);
  }
  return { size, fingerprint: hash.digest('hex').slice(0, 32) };
}

export type TextEncoding = 'utf-8' | 'windows-1252';

export function encodingOf(explicit?: string): TextEncoding | undefined {
  if (explicit === undefined) return undefined;
  const name = explicit.toLowerCase().replace(/^(cp|windows)-?1252$/, 'windows-1252');
  if (name === 'utf-8' || name === 'utf8') return 'utf-8';
  if (name === 'windows-1252') return 'windows-1252';
  throw new Error(`unknown encoding ${explicit} (utf-8 or windows-1252)`);
}

export interface ReadOptions {
  /** A previous run's checkpoint: the byte offset after the last committed record. */
  startOffset: number;
  startNumber: number;
  batchSize: number;
  /** CSV: the field delimiter; by default the one of `;`, `,`, tab and `|` the header uses most. */
  delimiter?: string;
  /** CSV: the text encoding; by default UTF-8 when the file's head is valid UTF-8, else Windows-1252. */
  encoding?: TextEncoding;
}

/**
 * Reads records from `startOffset` in batches, tracking the byte offset after each record. The CSV
 * header is always read from the start of the file.
 */
export function readRecords(
  path: string,
  format: FileFormat,
  options: ReadOptions,
): AsyncGenerator<RawRecord[]> {
  return format === 'csv' ? readCsv(path, options) : readNdjson(path, options);
}

/** An export file as a record source: its position is the byte offset after a record. */
export class FileSource implements RecordSource {
  constructor(
    private readonly path: string,
    readonly format: FileFormat,
    private readonly csv: Pick<ReadOptions, 'delimiter' | 'encoding'> = {},
  ) {}

  identify(): Promise<SourceIdentity> {
    return Promise.resolve({ location: this.path, name: basename(this.path), ...fingerprint(this.path) });
  }

  read(from: Checkpoint, batchSize: number): AsyncGenerator<RawRecord[]> {
    return readRecords(this.path, this.format, {
      startOffset: from.position,
      startNumber: from.records,
      batchSize,
      ...this.csv,
    });
  }

  progressOf(at: Checkpoint): number {
    return progressIn(this.format, at);
  }

  describe(at: Checkpoint, size: number): string {
    return `byte ${at.position} of ${size}`;
  }
}

/** The bytes of a file's head, enough to tell its encoding and its header's delimiter. */
function head(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(Math.min(65_536, statSync(path).size));
    const read = readSync(fd, chunk, 0, chunk.length, 0);
    return chunk.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** UTF-8 if the head decodes as UTF-8 (a sequence cut at its end is fine), else Windows-1252. */
export function detectEncoding(bytes: Buffer): TextEncoding {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

const DELIMITERS = [';', ',', '\t', '|'];

/** The candidate delimiter found most often outside quotes in the first line (`,` on a tie). */
export function detectDelimiter(bytes: Buffer): string {
  const counts = new Map(DELIMITERS.map((delimiter) => [delimiter, 0]));
  let quoted = false;
  for (const byte of bytes) {
    const c = String.fromCharCode(byte);
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best = ',';
  for (const [delimiter, count] of counts) if (count > counts.get(best)!) best = delimiter;
  return best;
}

/** `billingAddress.city` -> nested; empty cells are absent (never the text "null"). */
function csvObject(header: string[], cells: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  header.forEach((column, index) => {
    const cell = cells[index];
    if (cell === undefined || cell === '') return;
    const path = column.split('.');
    let at = out;
    for (const key of path.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
    at[path[path.length - 1]] = cell;
  });
  return out;
}

/** A field as csv-parse hands it: bytes, or text after a BOM. */
type Cell = Buffer | string;
interface CsvRecord {
  record: Cell[];
  info: { bytes: number };
}

/** The options every CSV read shares: bytes out (decoded per field), offsets in `info`. */
function csvParser(delimiter: string, onSkip?: (error: CsvError) => void): Parser {
  const options: Options = {
    delimiter,
    encoding: null,
    info: true,
    bom: true,
    relax_column_count: true,
    // A quote inside an unquoted field (`24" monitor`) is text, as the exporting ERP meant it.
    relax_quotes: true,
    skip_empty_lines: true,
  };
  if (onSkip) {
    options.skip_records_with_error = true;
    options.on_skip = (error) => {
      if (error) onSkip(error);
      return undefined;
    };
  }
  return parse(options);
}

/**
 * RFC 4180 CSV through csv-parse: any of the usual delimiters, quoted fields with delimiters,
 * quotes and newlines, a UTF-8 BOM, UTF-8 or Windows-1252 text. A record that cannot be read is
 * reported with its number and line, and the rest of the file is read.
 */
async function* readCsv(path: string, options: ReadOptions): AsyncGenerator<RawRecord[]> {
  const bytes = head(path);
  const decoder = new TextDecoder(options.encoding ?? detectEncoding(bytes));
  const delimiter = options.delimiter ?? detectDelimiter(bytes);
  // csv-parse hands text instead of bytes once it has seen a UTF-8 BOM (which settles the encoding).
  const decode = (cells: Cell[]) =>
    cells.map((cell) => (typeof cell === 'string' ? cell : decoder.decode(cell)));

  const header = await csvHeader(path, delimiter);
  const columns = decode(header.cells).map((column) => column.trim());
  const start = Math.max(options.startOffset, header.end);
  let number = options.startNumber;
  let endOffset = start;
  let batch: RawRecord[] = [];
  const parser = createReadStream(path, { start, highWaterMark: 1 << 20 }).pipe(
    csvParser(delimiter, (error) => {
      number += 1;
      batch.push({
        number,
        position: endOffset,
        value: null,
        error: `(line ${Number(error.lines)}) ${error.message}`,
      });
    }),
  );
  for await (const { record, info } of parser as AsyncIterable<CsvRecord>) {
    number += 1;
    endOffset = start + info.bytes;
    batch.push(
      record.length === columns.length
        ? { number, position: endOffset, value: csvObject(columns, decode(record)) }
        : {
            number,
            position: endOffset,
            value: null,
            error: `has ${record.length} columns, the header ${columns.length}`,
          },
    );
    if (batch.length >= options.batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** The header record and the byte offset after it. */
async function csvHeader(path: string, delimiter: string): Promise<{ cells: Cell[]; end: number }> {
  const stream = createReadStream(path, { start: 0, highWaterMark: 65_536 });
  const parser = stream.pipe(csvParser(delimiter));
  try {
    for await (const { record, info } of parser as AsyncIterable<CsvRecord>)
      return { cells: record, end: info.bytes };
  } finally {
    stream.destroy();
    parser.destroy();
  }
  throw new Error(`${path}: no header row`);
}

/** One JSON object per line (UTF-8, as JSON is), a BOM at the start of the file ignored. */
async function* readNdjson(path: string, options: ReadOptions): AsyncGenerator<RawRecord[]> {
  let number = options.startNumber;
  let batch: RawRecord[] = [];
  let carry: Buffer = Buffer.alloc(0);
  let position = options.startOffset;
  const stream = createReadStream(path, { start: options.startOffset, highWaterMark: 1 << 20 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const data: Buffer = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
      const line = data.toString('utf8', start, nl).replace(/\r$/, '');
      position += nl + 1 - start;
      start = nl + 1;
      const record = toRecord(line);
      if (record) batch.push(record);
      if (batch.length >= options.batchSize) {
        yield batch;
        batch = [];
      }
    }
    carry = data.subarray(start);
  }
  if (carry.length > 0) {
    position += carry.length;
    const record = toRecord(carry.toString('utf8').replace(/\r$/, ''));
    if (record) batch.push(record);
  }
  if (batch.length > 0) yield batch;

  function toRecord(text: string): RawRecord | null {
    const line = text.replace(/^\uFEFF/, '');
    if (line.trim() === '') return null;
    number += 1;
    try {
      const value = JSON.parse(line) as unknown;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return { number, position, value: null, error: 'is not a JSON object' };
      }
      return { number, position, value: value as Record<string, unknown> };
    } catch {
      return { number, position, value: null, error: 'is not valid JSON' };
    }
  }
}
