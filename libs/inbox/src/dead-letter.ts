import { createHash } from 'node:crypto';

import { nameBasedUuid, type FieldError } from '@switchboard/contracts';
import type { InboundMessage } from '@switchboard/kafka';
import type { OutboxRecord } from '@switchboard/outbox';

export type DeadLetterClass = 'validation' | 'rejected' | 'transient' | 'unexpected';

/**
 * Set on a dead letter published again by an operator (its value: the letter's ref). Only such a
 * message re-runs a dead-lettered event; a plain redelivery of it (a crash, a rewind) is a duplicate,
 * so it can never be applied behind the later events of its key without someone deciding so.
 */
export const REPLAYED_FROM_HEADER = 'x-replayed-from';

/**
 * What names one stored Kafka message when its own event id cannot be read: its coordinates, its
 * timestamp and a hash of its bytes. Coordinates alone repeat: a topic recreated (or a broker
 * rebuilt) starts its offsets again at 0 while the database keeps the rows of the old ones, and a
 * new poison message at an old offset would be taken for the one already handled.
 */
export function messageIdentity(message: InboundMessage): string {
  const digest = createHash('sha256')
    .update(message.value ?? Buffer.alloc(0))
    .digest('hex')
    .slice(0, 16);
  return `${message.topic}/${message.partition}/${message.offset}@${message.timestamp}#${digest}`;
}

/** The body of a dead-letter message: everything needed to understand, fix and replay the original. */
export interface DeadLetter {
  consumerGroup: string;
  originalTopic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  /** The original bytes as UTF-8 text (base64 when they were not valid UTF-8). */
  value: string | null;
  valueEncoding: 'utf8' | 'base64';
  eventId: string | null;
  eventType: string | null;
  errorClass: DeadLetterClass;
  errorCode: string;
  reason: string;
  fields: FieldError[];
  attempts: number;
  failedAt: string;
}

export interface Rejection {
  errorClass: DeadLetterClass;
  code: string;
  reason: string;
  fields: FieldError[];
}

/**
 * Builds the outbox row that carries a dead letter: it commits with the inbox row that marks the
 * event as handled, so a dead letter is never lost nor written twice. Its id is derived from the
 * message's identity, so dead-lettering the same message again is a no-op.
 */
export function deadLetterRecord(
  consumerGroup: string,
  topic: string,
  message: InboundMessage,
  event: { id: string; type: string } | null,
  rejection: Rejection,
  attempts = 1,
): OutboxRecord {
  const text = message.value?.toString('utf8') ?? null;
  const isUtf8 = text === null || Buffer.from(text, 'utf8').equals(message.value ?? Buffer.alloc(0));
  const letter: DeadLetter = {
    consumerGroup,
    originalTopic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.key,
    headers: message.headers,
    value: isUtf8 ? text : (message.value?.toString('base64') ?? null),
    valueEncoding: isUtf8 ? 'utf8' : 'base64',
    eventId: event?.id ?? null,
    eventType: event?.type ?? null,
    errorClass: rejection.errorClass,
    errorCode: rejection.code,
    reason: rejection.reason,
    fields: rejection.fields,
    attempts,
    failedAt: new Date().toISOString(),
  };
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-dead-letter-class': rejection.errorClass,
    'x-dead-letter-code': rejection.code,
    'x-original-topic': message.topic,
    'x-original-partition': String(message.partition),
    'x-original-offset': message.offset,
  };
  if (message.headers.traceparent) headers.traceparent = message.headers.traceparent;
  return {
    id: nameBasedUuid('switchboard.dead-letter', `${consumerGroup}/${messageIdentity(message)}`),
    topic,
    key: message.key ?? `${message.topic}/${message.partition}`,
    type: 'dead_letter',
    payload: JSON.stringify(letter),
    headers,
  };
}
