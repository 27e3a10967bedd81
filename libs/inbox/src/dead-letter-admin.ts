import { deadLetterTopic, isEventType, topicOf, type EventType } from '@switchboard/contracts';
import {
  readTopic,
  type InboundMessage,
  type KafkaConnectionConfig,
  type MessagePublisher,
  type PartitionOffset,
} from '@switchboard/kafka';

import { REPLAYED_FROM_HEADER, type DeadLetter } from './dead-letter';

// The operator's dead-letter work, shared by the CLI (`switchboard dlq`) and the console.

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
    for (const message of await readTopic(kafka, deadLetterTopic(service))) {
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

export interface ReplayResult {
  replayed: number;
  /** Dead letters not replayed: their topic is not one the catalogue has their consumer read. */
  refused: Array<{ ref: string; topic: string }>;
}

/**
 * Publishes each original message again, byte for byte, on its original topic and key. Replaying is
 * idempotent: consumers that applied the event skip it (inbox), the one that dead-lettered it
 * applies it now, and a second replay changes nothing. A dead letter names its own topic, and its
 * bytes can come from anyone: only topics of the catalogue that its consumer reads are published
 * to (`allowedTopics`), never whatever topic a letter names.
 */
export async function replay(
  publisher: MessagePublisher,
  entries: DeadLetterEntry[],
  allowedTopics: (service: string) => ReadonlySet<string>,
): Promise<ReplayResult> {
  const refused: ReplayResult['refused'] = [];
  const allowed = entries.filter(({ ref, service, letter }) => {
    if (allowedTopics(service).has(letter.originalTopic)) return true;
    refused.push({ ref, topic: letter.originalTopic });
    return false;
  });
  const messages = allowed
    .filter(({ letter }) => letter.value !== null)
    .map(({ ref, letter }) => ({
      topic: letter.originalTopic,
      key: letter.key ?? ref,
      // The original bytes, not a UTF-8 reading of them: a value that was not text stays as it was.
      value: letter.valueEncoding === 'base64' ? Buffer.from(letter.value!, 'base64') : letter.value!,
      headers: { ...letter.headers, [REPLAYED_FROM_HEADER]: ref },
    }));
  if (messages.length > 0) await publisher.publish(messages);
  return { replayed: messages.length, refused };
}

export interface PurgePlan {
  /** Per partition of the dead-letter topic, the offset below which everything is deleted. */
  before: PartitionOffset[];
  /** Letters the cut would delete that the operator did not name: the purge must not go ahead. */
  unnamed: string[];
  /** Named refs that are not (or no longer) in the topic. */
  unknown: string[];
}

/**
 * What purging the named letters of one consumer's dead-letter topic deletes. Kafka deletes only a
 * prefix of a partition, so each partition is cut after its last named letter, and every letter
 * below that cut must be named too: a letter that arrived after the operator listed the others, or
 * one they left out, is never deleted unseen.
 */
export function purgePlan(current: DeadLetterEntry[], named: string[]): PurgePlan {
  const wanted = new Set(named);
  const letters = current.map(({ ref }) => {
    const [, partition, offset] = ref.split(':');
    return { ref, partition: Number(partition), offset: BigInt(offset) };
  });
  const cut = new Map<number, bigint>();
  for (const { ref, partition, offset } of letters) {
    if (wanted.has(ref) && offset + 1n > (cut.get(partition) ?? 0n)) cut.set(partition, offset + 1n);
  }
  const present = new Set(current.map(({ ref }) => ref));
  return {
    before: [...cut].map(([partition, offset]) => ({ partition, offset: offset.toString() })),
    unnamed: letters
      .filter(({ ref, partition, offset }) => !wanted.has(ref) && offset < (cut.get(partition) ?? 0n))
      .map(({ ref }) => ref),
    unknown: named.filter((ref) => !present.has(ref)),
  };
}

function parse(message: InboundMessage): DeadLetter {
  return JSON.parse(message.value?.toString('utf8') ?? 'null') as DeadLetter;
}

/** The consumers and the catalogue topics each reads: the only topics its dead letters go back to. */
export type ConsumerTopics = ReadonlyMap<string, ReadonlySet<string>>;

export function consumerTopicsOf(
  definitions: ReadonlyArray<{ name: string; consumes: readonly EventType[] }>,
): ConsumerTopics {
  return new Map(
    definitions
      .filter((definition) => definition.consumes.length > 0)
      .map((definition) => [definition.name, new Set(definition.consumes.map(topicOf))]),
  );
}

/** `<service>=<event>+<event>,...`: how the console, which imports no other service, learns them. */
export function consumerTopicsSpec(
  definitions: ReadonlyArray<{ name: string; consumes: readonly EventType[] }>,
): string {
  return definitions
    .filter((definition) => definition.consumes.length > 0)
    .map((definition) => `${definition.name}=${definition.consumes.join('+')}`)
    .join(',');
}

export function parseConsumerTopics(spec: string): ConsumerTopics {
  const consumers = new Map<string, ReadonlySet<string>>();
  for (const entry of spec.split(',').filter(Boolean)) {
    const [name, types = ''] = entry.split('=');
    const unknown = types.split('+').filter((type) => !isEventType(type));
    if (!name || unknown.length > 0)
      throw new Error(`consumer ${entry}: unknown event type ${unknown.join(', ')}`);
    consumers.set(name, new Set(types.split('+').filter(isEventType).map(topicOf)));
  }
  return consumers;
}
