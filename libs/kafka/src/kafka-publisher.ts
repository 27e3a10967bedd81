import { CompressionTypes, Partitioners, type Producer } from 'kafkajs';

import { createKafka, type KafkaConnectionConfig } from './kafka-connection';
import type { MessagePublisher, OutboundMessage } from './kafka.types';

/**
 * Idempotent producer with acks=all: a retried send never duplicates or reorders a message on its
 * partition (kafkajs requires maxInFlightRequests=1 for that guarantee).
 */
export class KafkaPublisher implements MessagePublisher {
  private readonly producer: Producer;

  constructor(config: KafkaConnectionConfig) {
    this.producer = createKafka(config).producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // The Java client's murmur2 partitioner: a key lands on the same partition whichever
      // language produced it, which per-key ordering across producers depends on.
      createPartitioner: Partitioners.DefaultPartitioner,
      // Bounded retries would let the idempotent producer give up mid-sequence; the relay already
      // waits out broker outages, so the producer keeps retrying too (kafkajs's own advice).
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 30_000 },
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async publish(messages: OutboundMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byTopic = new Map<string, OutboundMessage[]>();
    for (const message of messages) {
      const list = byTopic.get(message.topic) ?? [];
      list.push(message);
      byTopic.set(message.topic, list);
    }
    await this.producer.sendBatch({
      acks: -1,
      compression: CompressionTypes.None,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic,
        messages: list.map(({ key, value, headers }) => ({ key, value, headers })),
      })),
    });
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}
