import { createHash, randomUUID } from 'node:crypto';

// Root namespace for all Switchboard name-based ids: uuidv5('switchboard', URL namespace).
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

function v5(name: string, namespace: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Deterministic RFC 9562 version-5 UUID for `name` within a named scope (e.g. 'switchboard.ingest'), so a
 * retried request or redelivered message maps to the same event id and deduplicates downstream.
 */
export function nameBasedUuid(scope: string, name: string): string {
  return v5(name, v5(scope, v5('switchboard', URL_NAMESPACE)));
}

export const uuidV5 = v5;

/**
 * RFC 9562 version-7 UUID: the Unix time in milliseconds, then 74 random bits. Ids made later sort
 * later, so a table keyed by them appends to the right edge of its indexes instead of writing a
 * random page of each for every row (what a million version-4 keys cost a bulk load).
 */
export function timeOrderedUuid(now: number = Date.now()): string {
  const time = now.toString(16).padStart(12, '0');
  // A version-4 UUID's random bits and variant, behind the time and version 7.
  return `${time.slice(0, 8)}-${time.slice(8)}-7${randomUUID().slice(15)}`;
}
