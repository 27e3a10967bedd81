import {
  readTopic,
  type InboundMessage,
  type KafkaConnectionConfig,
  type MessagePublisher,
} from '@switchboard/kafka';
import type { DeadLetter } from '@switchboard/inbox';

/** A dead letter as the operator sees it: where it sits in its DLQ topic, and what it says. */
export interface DeadLetterEntry {
  /** `<service>:<partition>:<offset>` in the service's dead-letter topic. */
  ref: string;
  service: string;
  letter: DeadLetter;
}

export interface DeadLetterFilter {
  errorClass?: string;
  since?: Date;
  refs?: string[];
}

export async function listDeadLetters(
  kafka: KafkaConnectionConfig,
  services: string[],
  filter: DeadLetterFilter = {},
): Promise<DeadLetterEntry[]> {
  const entries: DeadLetterEntry[] = [];
  for (const service of services) {
    for (const message of await readTopic(kafka, `switchboard.dlq.${service}`)) {
      entries.push({
        ref: `${service}:${message.partition}:${message.offset}`,
        service,
        letter: parse(message),
      });
    }
  }
  return entries.filter(
    ({ ref, letter }) =>
      (!filter.errorClass || letter.errorClass === filter.errorClass) &&
      (!filter.since || Date.parse(letter.failedAt) >= filter.since.getTime()) &&
      (!filter.refs || filter.refs.includes(ref)),
  );
}

/**
 * Publishes each original message again, unchanged, on its original topic and key. Replaying is
 * idempotent: consumers that applied the event skip it (inbox), the one that dead-lettered it
 * applies it now, and a second replay changes nothing.
 */
export async function replay(publisher: MessagePublisher, entries: DeadLetterEntry[]): Promise<number> {
  const messages = entries
    .filter(({ letter }) => letter.value !== null)
    .map(({ ref, letter }) => ({
      topic: letter.originalTopic,
      key: letter.key ?? ref,
      value:
        letter.valueEncoding === 'base64'
          ? Buffer.from(letter.value!, 'base64').toString('utf8')
          : (letter.value as string),
      headers: { ...letter.headers, 'x-replayed-from': ref },
    }));
  await publisher.publish(messages);
  return messages.length;
}

function parse(message: InboundMessage): DeadLetter {
  return JSON.parse(message.value?.toString('utf8') ?? 'null') as DeadLetter;
}
