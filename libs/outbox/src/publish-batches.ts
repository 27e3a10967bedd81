import type { OutboundMessage } from '@switchboard/kafka';

/**
 * Bytes sent per produce request: under Kafka's default `max.message.bytes` (1 MiB), which bounds a
 * partition's record batch, with room for the batch's own framing.
 */
export const DEFAULT_MAX_REQUEST_BYTES = 900_000;

/** What a record costs in a batch: key, value, headers and about 70 bytes of record framing. */
export function recordBytes(message: OutboundMessage): number {
  let bytes = 70 + Buffer.byteLength(message.key) + Buffer.byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers))
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

/**
 * Consecutive groups of at most `maxBytes` each, in order; a record larger than `maxBytes` alone
 * is a group of its own (the broker decides whether its topic takes it).
 */
export function splitByBytes<T>(items: readonly T[], bytesOf: (item: T) => number, maxBytes: number): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    const bytes = bytesOf(item);
    if (current.length > 0 && size + bytes > maxBytes) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += bytes;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
