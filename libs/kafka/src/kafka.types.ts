/**
 * The client-neutral seam around the Kafka client. Everything above this library (the outbox
 * relay, the inbox transport, the handlers) speaks these types only, so the client
 * (@platformatic/kafka today) can be swapped for another by rewriting this one library.
 */

export type Headers = Record<string, string>;

export interface OutboundMessage {
  topic: string;
  key: string;
  /** Text is sent as UTF-8; bytes (a dead letter's original value, replayed) exactly as they are. */
  value: string | Buffer;
  headers: Headers;
}

export interface InboundMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Headers;
  /** Broker timestamp, epoch milliseconds as a string. */
  timestamp: string;
}

/**
 * Messages of one topic, from one partition or from several (`combinePartitionsBelow`): the
 * messages of each partition are in offset order, one partition's after another's.
 */
export interface PartitionBatch {
  topic: string;
  /** The partitions whose messages the batch holds, at least one. */
  partitions: number[];
  messages: InboundMessage[];
  /**
   * True when no handling of these messages can have started before, here or in another process:
   * for each of its partitions the batch begins at the offset this member committed last, after
   * finishing its previous batch of the partition, and the member has held the partition since (no
   * rejoin, no reassignment, no reopened stream). False whenever that is not known: the first batch
   * after a start or an assignment, and a batch handed over again after its handler failed or was
   * stopped. A handler that must notice a crash during an earlier handling (a poison message) needs
   * to record its start only when false.
   */
  firstHandling: boolean;
}

export interface BatchControls {
  /**
   * Commits the group offset so that `message` is the last one consumed on its partition. False
   * when a partition of the batch was taken away by a rebalance meanwhile: stop working on this batch.
   */
  commit(message: InboundMessage): Promise<boolean>;
  /**
   * False once the consumer is stopping or a partition of the batch was revoked: stop early, commit
   * what is done. What the batch leaves of the partitions still held is handed over again.
   */
  isActive(): boolean;
}

export type BatchHandler = (batch: PartitionBatch, controls: BatchControls) => Promise<void>;

/** Publishes messages durably: resolves only once every message is acknowledged by all in-sync replicas. */
export interface MessagePublisher {
  connect(): Promise<void>;
  publish(messages: OutboundMessage[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface BatchConsumer {
  connect(): Promise<void>;
  run(topics: string[], handler: BatchHandler): Promise<void>;
  isConnected(): boolean;
  disconnect(): Promise<void>;
}
