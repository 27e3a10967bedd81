import { setGroupOffsets, topicEndOffsets, type PartitionOffset } from '@switchboard/kafka';

export type { PartitionOffset };

const connection = (brokers: string[]) => ({ brokers, clientId: 'bench-admin' });

/** The next offset to be written on every partition of `topic` (where a new reader should start). */
export function endOffsets(brokers: string[], topic: string): Promise<PartitionOffset[]> {
  return topicEndOffsets(connection(brokers), topic);
}

/** Sum of end offsets minus `from`: how many messages were appended since `from` was taken. */
export function countSince(from: PartitionOffset[], to: PartitionOffset[]): number {
  const start = new Map(from.map(({ partition, offset }) => [partition, BigInt(offset)]));
  return to.reduce(
    (sum, { partition, offset }) => sum + Number(BigInt(offset) - (start.get(partition) ?? 0n)),
    0,
  );
}

/**
 * Creates consumer group `groupId` with its committed offsets on `topic` set to `offsets`, so a
 * service started with that group reads exactly the messages from there on (and none older).
 */
export function positionGroup(
  brokers: string[],
  groupId: string,
  topic: string,
  offsets: PartitionOffset[],
): Promise<void> {
  return setGroupOffsets(connection(brokers), groupId, topic, offsets);
}
