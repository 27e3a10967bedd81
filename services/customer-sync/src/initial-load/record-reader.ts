import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';

/** One record of an export file, with where it ends (the resume point after it). */
export interface RawRecord {
  /** 1-based record number in the file (the CSV header is not a record). */
  number: number;
  /** Byte offset just after this record: a resumed load starts there. */
  endOffset: number;
  value: Record<string, unknown> | null;
  /** Why the line could not be read at all (bad JSON, wrong column count). */
  error?: string;
}

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

/** RFC 4180 fields of one CSV record ("" escapes a quote; quoted fields may hold commas and newlines). */
export function parseCsvRecord(text: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

function quotesBalanced(text: string): boolean {
  let count = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 34) count++;
  return count % 2 === 0;
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

/**
 * Reads records from `startOffset` (a previous run's checkpoint) in batches, tracking the byte
 * offset after each record. The CSV header is always read from the start of the file.
 */
export async function* readRecords(
  path: string,
  format: FileFormat,
  options: { startOffset: number; startNumber: number; batchSize: number },
): AsyncGenerator<RawRecord[]> {
  let header: string[] | null = null;
  let offset = options.startOffset;
  if (format === 'csv') {
    const first = await firstLine(path);
    header = parseCsvRecord(first.text.replace(/\r$/, '')).map((h) => h.trim());
    if (offset < first.end) offset = first.end;
  }
  let number = options.startNumber;
  let batch: RawRecord[] = [];
  let carry: Buffer = Buffer.alloc(0);
  let pending = ''; // a CSV record whose quoted field spans lines
  let position = offset;
  const stream = createReadStream(path, { start: offset, highWaterMark: 1 << 20 });
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

  function toRecord(line: string): RawRecord | null {
    if (format === 'csv') {
      const text = pending ? `${pending}\n${line}` : line;
      if (!quotesBalanced(text)) {
        pending = text;
        return null;
      }
      pending = '';
      if (text.trim() === '') return null;
      number += 1;
      const cells = parseCsvRecord(text);
      if (cells.length !== header!.length) {
        return {
          number,
          endOffset: position,
          value: null,
          error: `has ${cells.length} columns, the header ${header!.length}`,
        };
      }
      return { number, endOffset: position, value: csvObject(header!, cells) };
    }
    if (line.trim() === '') return null;
    number += 1;
    try {
      const value = JSON.parse(line) as unknown;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return { number, endOffset: position, value: null, error: 'is not a JSON object' };
      }
      return { number, endOffset: position, value: value as Record<string, unknown> };
    } catch {
      return { number, endOffset: position, value: null, error: 'is not valid JSON' };
    }
  }
}

async function firstLine(path: string): Promise<{ text: string; end: number }> {
  const stream = createReadStream(path, { start: 0, highWaterMark: 65_536 });
  let data = Buffer.alloc(0);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    data = Buffer.concat([data, chunk]);
    const nl = data.indexOf(10);
    if (nl !== -1) {
      stream.destroy();
      return { text: data.toString('utf8', 0, nl), end: nl + 1 };
    }
  }
  return { text: data.toString('utf8'), end: data.length };
}
