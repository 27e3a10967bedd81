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

/**
 * Idempotent producer with acks=all: a retried send never duplicates or reorders a message on its
 * partition (the client keeps one request in flight per broker for that guarantee).
 */
export class KafkaPublisher implements MessagePublisher {
  private readonly producer: Producer<string, Value, string, string>;

  constructor(config: KafkaConnectionConfig) {
    this.producer = new Producer({
      ...kafkaClientOptions(config),
      idempotent: true,
      acks: ProduceAcks.ALL,
      autocreateTopics: false,
      compression: CompressionAlgorithms.NONE,
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
      if (tooLarge)
        throw new MessageTooLargeError(
          `Kafka refused the batch as too large for its topic (${String(tooLarge.apiId)})`,
          { cause: error },
        );
      throw error;
    }
  }

  async disconnect(): Promise<void> {
    await this.producer.close();
  }
}
