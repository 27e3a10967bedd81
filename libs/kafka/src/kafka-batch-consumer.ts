import type { Consumer, EachBatchPayload, IHeaders, KafkaMessage } from 'kafkajs';

import { createKafka, type KafkaConnectionConfig } from './kafka-connection';
import type { BatchConsumer, BatchHandler, Headers, InboundMessage } from './kafka.types';

export interface BatchConsumerOptions {
  groupId: string;
  /** Partitions of the assignment processed in parallel; order within a partition is always kept. */
  partitionsConsumedConcurrently?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Upper bound of bytes fetched per partition, which bounds the size of one batch. */
  maxBytesPerPartition?: number;
}

/**
 * A consumer group member that hands whole partition batches to the caller and never commits on its
 * own: offsets move only when the caller says its database transaction is committed.
 */
export class KafkaBatchConsumer implements BatchConsumer {
  private readonly consumer: Consumer;
  private connected = false;

  constructor(
    config: KafkaConnectionConfig,
    private readonly options: BatchConsumerOptions,
  ) {
    this.consumer = createKafka(config).consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 3_000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      allowAutoTopicCreation: false,
      // kafkajs gives up on "non-retriable" group errors (a member evicted after a long pause);
      // the consumer rejoins instead: uncommitted work is redelivered and the inbox skips it.
      retry: { retries: 10, initialRetryTime: 500, restartOnFailure: () => Promise.resolve(true) },
    });
    this.consumer.on(this.consumer.events.CONNECT, () => (this.connected = true));
    this.consumer.on(this.consumer.events.DISCONNECT, () => (this.connected = false));
    this.consumer.on(this.consumer.events.CRASH, () => (this.connected = false));
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => (this.connected = true));
  }

  async connect(): Promise<void> {
    await this.consumer.connect();
  }

  isConnected(): boolean {
    return this.connected;
  }

  async run(topics: string[], handler: BatchHandler): Promise<void> {
    await this.consumer.subscribe({ topics, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: async (payload: EachBatchPayload) => {
        const { batch } = payload;
        await handler(
          {
            topic: batch.topic,
            partition: batch.partition,
            messages: batch.messages.map((message) => toInbound(batch.topic, batch.partition, message)),
          },
          {
            heartbeat: () => payload.heartbeat(),
            isActive: () => payload.isRunning() && !payload.isStale(),
            commit: async (message) => {
              payload.resolveOffset(message.offset);
              try {
                await this.consumer.commitOffsets([
                  {
                    topic: message.topic,
                    partition: message.partition,
                    offset: (BigInt(message.offset) + 1n).toString(),
                  },
                ]);
                return true;
              } catch (error) {
                // The partition moved to another member during a rebalance: the database work is
                // committed, the new owner will see these messages again and skip them (inbox).
                if (isRebalanceError(error)) return false;
                throw error;
              }
            },
          },
        );
      },
    });
  }

  async disconnect(): Promise<void> {
    // kafkajs waits for the batch in progress to return before leaving the group.
    await this.consumer.disconnect();
  }
}

export function toInbound(topic: string, partition: number, message: KafkaMessage): InboundMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ? message.key.toString('utf8') : null,
    value: message.value,
    headers: toHeaders(message.headers),
    timestamp: message.timestamp,
  };
}

function toHeaders(headers: IHeaders | undefined): Headers {
  const result: Headers = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) result[name] = first.toString();
  }
  return result;
}

const REBALANCE_ERRORS = new Set([
  'UNKNOWN_MEMBER_ID',
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'FENCED_INSTANCE_ID',
]);

function isRebalanceError(error: unknown): boolean {
  const type = (error as { type?: unknown } | null)?.type;
  return typeof type === 'string' && REBALANCE_ERRORS.has(type);
}
