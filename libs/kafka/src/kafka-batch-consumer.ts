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
  private stopping = false;
  private subscription: { topics: string[]; handler: BatchHandler } | null = null;
  private restartTimer: NodeJS.Timeout | null = null;

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
      // kafkajs restarts itself after retriable crashes only (restartOnFailure is not even asked
      // about the others); the CRASH listener below covers the rest.
      retry: { retries: 10, initialRetryTime: 500, restartOnFailure: () => Promise.resolve(true) },
    });
    this.consumer.on(this.consumer.events.CONNECT, () => (this.connected = true));
    this.consumer.on(this.consumer.events.DISCONNECT, () => (this.connected = false));
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => (this.connected = true));
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      this.connected = false;
      // A member evicted by the coordinator (a batch that outlived the session timeout without a
      // heartbeat: "The coordinator is not aware of this member") crashes with a non-retriable
      // error, and kafkajs then stops for good while the process lives on. Rejoin instead: the
      // uncommitted work is redelivered and the inbox skips what was already applied.
      if (!event.payload.restart && !this.stopping) this.scheduleRestart();
    });
  }

  async connect(): Promise<void> {
    await this.consumer.connect();
  }

  isConnected(): boolean {
    return this.connected;
  }

  async run(topics: string[], handler: BatchHandler): Promise<void> {
    this.subscription = { topics, handler };
    await this.consumer.subscribe({ topics, fromBeginning: true });
    await this.start(handler);
  }

  private scheduleRestart(delayMs = 1_000): void {
    if (this.restartTimer || !this.subscription) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping || !this.subscription) return;
      const { topics, handler } = this.subscription;
      this.consumer
        .connect()
        .then(() => this.consumer.subscribe({ topics, fromBeginning: true }))
        .then(() => this.start(handler))
        .catch(() => this.scheduleRestart(Math.min(30_000, delayMs * 2)));
    }, delayMs);
  }

  private async start(handler: BatchHandler): Promise<void> {
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
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
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

/** kafkajs wraps the broker's error (`type`) in retry errors (`cause`) once it stops retrying. */
function isRebalanceError(error: unknown): boolean {
  for (let current = error as { type?: unknown; cause?: unknown } | null; current;) {
    if (typeof current.type === 'string' && REBALANCE_ERRORS.has(current.type)) return true;
    current = current.cause as typeof current;
  }
  return false;
}
