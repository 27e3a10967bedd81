import { createHash } from 'node:crypto';

import { FIELD_KINDS, type CustomerFieldName, type FieldValue } from './fields';

/** A value that cannot be stored as it is; `message` says why, for the refused-change record. */
export class InvalidValue extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidValue';
  }
}

/** E-mail as a matching key: trimmed, Unicode-normalised, lower case. */
export function normalizeEmail(email: string | null | undefined): string | null {
  if (typeof email !== 'string') return null;
  const key = email.normalize('NFC').trim().toLowerCase();
  return key.length > 0 ? key : null;
}

/** VAT number as a matching key: upper case without spaces, dots or dashes (`de 123.456-789` -> `DE123456789`). */
export function normalizeVat(vat: string | null | undefined): string | null {
  if (typeof vat !== 'string') return null;
  const key = vat
    .normalize('NFC')
    .toUpperCase()
    .replace(/[\s.\-/]/g, '');
  return key.length > 0 ? key : null;
}

/** True for null, undefined, '' and whitespace-only text. */
export function isBlank(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && !/\S/.test(value));
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DOTTED_DATE = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const EPOCH = /^\d{10}(\d{3})?$/;

function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number | null {
  const time = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const date = new Date(time);
  const real =
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    h < 24 &&
    mi < 60 &&
    s < 61;
  return real ? time : null;
}

/**
 * A point in time from the formats source systems and export files use, as epoch milliseconds:
 * RFC 3339 / ISO 8601 with any offset (`2025-03-15T10:00:00+02:00`), the same without an offset or
 * with a space (`2025-03-15 08:00:00`, read as UTC), a date (`2025-03-15`, midnight UTC), a dotted
 * European date (`15.03.2025`, optionally with a time) and Unix seconds or milliseconds. Slashed dates
 * (`03/04/2025`) are refused: day and month cannot be told apart.
 */
export function parseTimestamp(input: unknown): number {
  if (typeof input === 'number' && Number.isFinite(input)) return input < 1e11 ? input * 1000 : input;
  if (typeof input !== 'string' || !/\S/.test(input)) throw new RangeError('is empty');
  const text = input.trim();
  let m = RFC3339.exec(text);
  if (m) {
    const fraction = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
    const base = utc(+m[1], +m[2], +m[3], +m[4], +m[5], m[6] ? +m[6] : 0, fraction);
    if (base === null) throw new RangeError(`is not a real date and time: '${text}'`);
    const zone = m[8];
    if (!zone || zone.toUpperCase() === 'Z') return base;
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
    if (Number(digits.slice(0, 2)) > 23 || Number(digits.slice(2)) > 59) {
      throw new RangeError(`has an invalid UTC offset: '${text}'`);
    }
    return base - sign * offsetMinutes * 60_000;
  }
  m = ISO_DATE.exec(text);
  if (m) {
    const time = utc(+m[1], +m[2], +m[3]);
    if (time === null) throw new RangeError(`is not a real date: '${text}'`);
    return time;
  }
  m = DOTTED_DATE.exec(text);
  if (m) {
    const time = utc(+m[3], +m[2], +m[1], m[4] ? +m[4] : 0, m[5] ? +m[5] : 0, m[6] ? +m[6] : 0);
    if (time === null) throw new RangeError(`is not a real date: '${text}'`);
    return time;
  }
  if (EPOCH.test(text)) return text.length === 10 ? Number(text) * 1000 : Number(text);
  if (/^\d{1,2}\/\d{1,2}\/\d{2,4}/.test(text)) {
    throw new RangeError(`is ambiguous (day/month order unknown): '${text}'; use YYYY-MM-DD or DD.MM.YYYY`);
  }
  throw new RangeError(
    `is not a recognised date or time: '${text}' (use RFC 3339 like 2025-03-15T08:00:00Z, YYYY-MM-DD, DD.MM.YYYY or Unix seconds)`,
  );
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

function cleanText(value: string): string {
  return value.normalize('NFC').trim();
}

/**
 * The stored form of one incoming field value, or InvalidValue. Absent fields never get here; null
 * (and blank text) means the source cleared the value, stored as a real null, never as "null".
 */
export function normalizeFieldValue(field: CustomerFieldName, raw: unknown): FieldValue {
  if (raw === null || raw === undefined) return null;
  const kind = FIELD_KINDS[field];
  switch (kind) {
    case 'text':
    case 'email': {
      if (typeof raw !== 'string') throw new InvalidValue(field, `${field} must be text`);
      const text = cleanText(raw);
      return text.length > 0 ? text : null;
    }
    case 'integer': {
      if (typeof raw !== 'number' || !Number.isInteger(raw)) {
        throw new InvalidValue(field, `${field} must be an integer`);
      }
      return raw;
    }
    case 'timestamp': {
      try {
        return toIso(parseTimestamp(raw));
      } catch (error) {
        throw new InvalidValue(field, `${field} ${(error as Error).message}`);
      }
    }
    case 'address':
    case 'money': {
      if (typeof raw !== 'object' || Array.isArray(raw)) {
        throw new InvalidValue(field, `${field} must be an object`);
      }
      const out: Record<string, string | null> = {};
      for (const key of Object.keys(raw).sort()) {
        const value = (raw as Record<string, unknown>)[key];
        if (value === null || value === undefined) continue;
        if (typeof value !== 'string') throw new InvalidValue(field, `${field}.${key} must be text`);
        const text = cleanText(value);
        if (text.length > 0) out[key] = text;
      }
      return Object.keys(out).length > 0 ? out : null;
    }
  }
}

/** JSON with sorted keys: equal values give equal strings whatever the key order. */
export function stableStringify(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${stableStringify((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

export function valuesEqual(a: unknown, b: unknown): boolean {
  return stableStringify(a ?? null) === stableStringify(b ?? null);
}

export function valueHash(value: unknown): string {
  return createHash('sha256')
    .update(stableStringify(value ?? null))
    .digest('base64url')
    .slice(0, 22);
}

const PARAGRAPH_BREAK = /\n\s*\n/;

/**
 * The merge strategy for free text (notes, activity logs): every paragraph of both values is kept,
 * in order, each once. Merging a value already contained is a no-op, so a merged value echoed back
 * changes nothing.
 */
export function mergeText(current: FieldValue | undefined, incoming: FieldValue): FieldValue {
  if (typeof incoming !== 'string' || incoming.length === 0) return current ?? null;
  if (typeof current !== 'string' || current.length === 0) return incoming;
  const paragraphs = current.split(PARAGRAPH_BREAK).map((p) => p.trim());
  const seen = new Set(paragraphs);
  for (const paragraph of incoming.split(PARAGRAPH_BREAK).map((p) => p.trim())) {
    if (paragraph.length > 0 && !seen.has(paragraph)) {
      paragraphs.push(paragraph);
      seen.add(paragraph);
    }
  }
  return paragraphs.filter((p) => p.length > 0).join('\n\n');
}
