import { Kafka, logLevel, type Admin } from 'kafkajs';

export interface PartitionOffset {
  partition: number;
  offset: string;
}

async function withAdmin<T>(brokers: string[], work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka({ clientId: 'bench-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** The next offset to be written on every partition of `topic` (where a new reader should start). */
export function endOffsets(brokers: string[], topic: string): Promise<PartitionOffset[]> {
  return withAdmin(brokers, async (admin) =>
    (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({ partition, offset: high })),
  );
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
export async function positionGroup(
  brokers: string[],
  groupId: string,
  topic: string,
  offsets: PartitionOffset[],
): Promise<void> {
  await withAdmin(brokers, async (admin) => {
    await admin.setOffsets({ groupId, topic, partitions: offsets });
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const wanted = new Map(offsets.map(({ partition, offset }) => [partition, offset]));
    const wrong = (committed?.partitions ?? []).filter(
      ({ partition, offset }) => wanted.get(partition) !== offset,
    );
    if (!committed || committed.partitions.length !== offsets.length || wrong.length > 0) {
      throw new Error(
        `could not position consumer group ${groupId} on ${topic}: ${JSON.stringify(committed)}`,
      );
    }
  });
}
