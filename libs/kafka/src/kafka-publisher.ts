import {
  compatibilityPartitioner,
  CompressionAlgorithms,
  ProduceAcks,
  Producer,
  stringSerializer,
  type Serializers,
} from '@platformatic/kafka';

import { kafkaClientOptions, kafkaErrorChain, type KafkaConnectionConfig } from './kafka-connection';
import type { MessagePublisher, OutboundMessage } from './kafka.types';

type Value = OutboundMessage['value'];

const serializers: Serializers<string, Value, string, string> = {
  key: stringSerializer,
  value: (value) => (typeof value === 'string' ? Buffer.from(value, 'utf8') : value),
  headerKey: stringSerializer,
  headerValue: stringSerializer,
};

/**
 * The broker refused a send as larger than its topic's `max.message.bytes` (a record batch) or the
 * request limit: not retriable as it is; a smaller batch, or without the record, may pass.
 */
export class MessageTooLargeError extends Error {
  override readonly name = 'MessageTooLargeError';
}

/** The broker does not know topics of the send (not provisioned, or deleted); nothing was sent. */
export class UnknownTopicError extends Error {
  override readonly name = 'UnknownTopicError';

  constructor(
    readonly topics: string[],
    options?: ErrorOptions,
  ) {
    super(`Kafka does not know topic(s) ${topics.join(', ')}`, options);
  }
}

function isUnknownTopic(error: unknown): boolean {
  return kafkaErrorChain(error).some(
    ({ apiId, message }) => apiId === 'UNKNOWN_TOPIC_OR_PARTITION' || /^Unknown topic /.test(String(message)),
  );
}

/**
 * Idempotent producer with acks=all: a retried send never duplicates or reorders a message on its
 * partition (the client keeps one request in flight per broker for that guarantee).
 */
/**
 * The partition KafkaPublisher writes `key` to on a topic of `partitions` partitions: the client's
 * partitioner the publisher is configured with, so a caller (a test placing two keys on one
 * partition, say) never re-implements it.
 */
export function partitionForKey(key: string, partitions: number): number {
  return compatibilityPartitioner({ topic: '', key: Buffer.from(key) }, Buffer.from(key)) % partitions;
}

export class KafkaPublisher implements MessagePublisher {
  private readonly producer: Producer<string, Value, string, string>;

  constructor(config: KafkaConnectionConfig) {
    this.producer = new Producer({
      ...kafkaClientOptions(config),
      idempotent: true,
      acks: ProduceAcks.ALL,
      autocreateTopics: false,
      compression: config.compression ?? CompressionAlgorithms.NONE,
      // The Java client's partitioner (murmur2 & 0x7fffffff): a key lands on the same partition
      // whichever language produced it, which per-key ordering across producers depends on. The
      // client's default (murmur2 >>> 0) differs for half of all keys.
      partitioner: compatibilityPartitioner,
      serializers,
    });
  }

  /** Fails fast when no broker answers; the producer itself connects on first use. */
  async connect(): Promise<void> {
    await this.producer.metadata({ topics: [] });
  }

  async publish(messages: OutboundMessage[]): Promise<void> {
    if (messages.length === 0) return;
    try {
      await this.producer.send({
        messages: messages.map(({ topic, key, value, headers }) => ({
          topic,
          key,
          value,
          headers: new Map(Object.entries(headers)),
        })),
      });
    } catch (error) {
      const tooLarge = kafkaErrorChain(error).find(
        ({ apiId }) => apiId === 'MESSAGE_TOO_LARGE' || apiId === 'RECORD_LIST_TOO_LARGE',
      );
      if (isUnknownTopic(error)) {
        const missing = await this.missingTopics([...new Set(messages.map((message) => message.topic))]);
        if (missing.length > 0) throw new UnknownTopicError(missing, { cause: error });
      }
      if (tooLarge)
        throw new MessageTooLargeError(
          `Kafka refused the batch as too large for its topic (${String(tooLarge.apiId)})`,
          { cause: error },
        );
      throw error;
    }
  }

  /**
   * Which of `topics` the broker does not know, asked one topic at a time: the client's refusal
   * of a send names one topic, and not always the right one.
   */
  private async missingTopics(topics: string[]): Promise<string[]> {
    const missing: string[] = [];
    for (const topic of topics) {
      try {
        await this.producer.metadata({ topics: [topic], forceUpdate: true, retries: 0 });
      } catch (error) {
        if (isUnknownTopic(error)) missing.push(topic);
      }
    }
    return missing;
  }

  async disconnect(): Promise<void> {
    await this.producer.close();
  }
}
