import { Admin } from '@platformatic/kafka';

import type { InboxTransport } from '@switchboard/inbox';
import {
  moveGroupToEnd,
  type BatchControls,
  type InboundMessage,
  type PartitionBatch,
} from '@switchboard/kafka';

import { kafkaBrokers } from './stack';

/** A new consumer group that sees only what the test publishes, not the backlog of earlier runs. */
export function startGroupAtEnd(groupId: string, topic: string): Promise<void> {
  return moveGroupToEnd({ brokers: kafkaBrokers(), clientId: 'test-admin' }, groupId, topic);
}

/** Deletes a suite's scratch topics and consumer groups from the shared broker (absent ones are fine). */
export async function dropTopicsAndGroups(topics: string[], groups: string[]): Promise<void> {
  const admin = new Admin({ clientId: 'test-admin', bootstrapBrokers: kafkaBrokers() });
  try {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.deleteGroups({ groups }).catch(() => undefined);
  } finally {
    await admin.close();
  }
}

/** Commits the last message of each partition in the batch, that is, the whole batch. */
export async function commitEachPartition(batch: PartitionBatch, controls: BatchControls): Promise<void> {
  const last = new Map<number, InboundMessage>();
  for (const message of batch.messages) last.set(message.partition, message);
  for (const message of last.values()) await controls.commit(message);
}

/** Starts a transport as Nest would, resolving once it consumes (or rejecting with why not). */
export function listening(transport: InboxTransport): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    transport.listen((error) =>
      error ? reject(error instanceof Error ? error : new Error('listen failed')) : resolve(),
    ),
  );
}
