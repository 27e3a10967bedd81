import { randomUUID } from 'node:crypto';

import {
  Admin,
  Consumer,
  GroupProtocols,
  MessagesStreamModes,
  stringDeserializer,
  type Message,
} from '@platformatic/kafka';

import { toInbound } from './kafka-batch-consumer';
import { kafkaClientOptions, type KafkaConnectionConfig } from './kafka-connection';
import type { InboundMessage } from './kafka.types';

export interface TopicSpec {
  name: string;
  partitions: number;
}

/** ListOffsets' special timestamps: the next offset to be written, and the first one retained. */
const LATEST = -1n;
const EARLIEST = -2n;

async function withAdmin<T>(config: KafkaConnectionConfig, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin(kafkaClientOptions(config));
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}

/** Creates the topics that do not exist yet; existing ones are left as they are. */
export async function ensureTopics(config: KafkaConnectionConfig, topics: TopicSpec[]): Promise<string[]> {
  return withAdmin(config, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.name));
    for (let attempt = 1; missing.length > 0; attempt += 1) {
      try {
        // Creating is made idempotent by the list: a topic another process created meanwhile is skipped.
        const still = new Set(await admin.listTopics());
        const toCreate = missing.filter((topic) => !still.has(topic.name));
        if (toCreate.length === 0) break;
        await admin.createTopics({
          topics: toCreate.map((topic) => ({
            topic: topic.name,
            partitions: topic.partitions,
            replicas: -1,
          })),
        });
        await waitForLeaders(
          admin,
          toCreate.map((topic) => topic.name),
        );
        break;
      } catch (error) {
        // A broker started seconds ago refuses while its controller settles: wait and ask again.
        if (attempt >= 10) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1_000 * attempt));
      }
    }
    return missing.map((topic) => topic.name);
  });
}

/** Returns once every partition of the topics has a leader, so producing to them succeeds at once. */
async function waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const metadata = await admin.metadata({ topics, forceUpdate: true }).catch(() => null);
    const led = topics.every((name) => {
      const topic = metadata?.topics.get(name);
      return topic !== undefined && topic.partitionsCount > 0 && topic.partitions.every((p) => p.leader >= 0);
    });
    const listed = new Set(await admin.listTopics());
    if (led && topics.every((name) => listed.has(name))) return;
    if (attempt >= 50) throw new Error(`topics without a leader after 10 s: ${topics.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface PartitionRange {
  partition: number;
  low: bigint;
  high: bigint;
}

/** First retained and next offset of every partition of a topic. */
async function topicRanges(admin: Admin, topic: string): Promise<PartitionRange[]> {
  const metadata = await admin.metadata({ topics: [topic] });
  const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
  const partitions = Array.from({ length: count }, (_, partitionIndex) => partitionIndex);
  const list = async (timestamp: bigint) => {
    const [listed] = await admin.listOffsets({
      topics: [
        { name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) },
      ],
    });
    return new Map((listed?.partitions ?? []).map((entry) => [entry.partitionIndex, entry.offset]));
  };
  const [lows, highs] = [await list(EARLIEST), await list(LATEST)];
  return partitions.map((partition) => ({
    partition,
    low: lows.get(partition) ?? 0n,
    high: highs.get(partition) ?? 0n,
  }));
}

/** The group's committed offset per partition of a topic (absent: nothing committed there). */
async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const [group] = await admin.listConsumerGroupOffsets({ groups: [groupId] });
  const entries = group?.topics.find((entry) => entry.name === topic)?.partitions ?? [];
  return new Map(
    entries
      .filter((entry) => entry.committedOffset >= 0n)
      .map((entry) => [entry.partitionIndex, entry.committedOffset]),
  );
}

export interface PartitionLag {
  topic: string;
  partition: number;
  committed: string | null;
  end: string;
  lag: number;
}

/** How far a consumer group is behind the end of each partition of its topics. */
export async function consumerLag(
  config: KafkaConnectionConfig,
  groupId: string,
  topics: string[],
): Promise<PartitionLag[]> {
  return withAdmin(config, async (admin) => {
    const result: PartitionLag[] = [];
    for (const topic of topics) {
      const committed = await committedOffsets(admin, groupId, topic);
      for (const { partition, low, high } of await topicRanges(admin, topic)) {
        const offset = committed.get(partition);
        const position = offset ?? low;
        result.push({
          topic,
          partition,
          committed: offset === undefined ? null : offset.toString(),
          end: high.toString(),
          lag: Math.max(0, Number(high - position)),
        });
      }
    }
    return result;
  });
}

/**
 * Every message currently in a topic, read by a throwaway group that never commits: what an operator
 * tool needs to list a dead-letter topic.
 */
export async function readTopic(config: KafkaConnectionConfig, topic: string): Promise<InboundMessage[]> {
  const ranges = await withAdmin(config, (admin) => topicRanges(admin, topic));
  const remaining = new Map(ranges.filter((r) => r.high > r.low).map((r) => [r.partition, r.high]));
  if (remaining.size === 0) return [];
  const groupId = `switchboard-reader-${randomUUID()}`;
  const consumer = new Consumer({
    ...kafkaClientOptions(config),
    groupId,
    groupProtocol: GroupProtocols.CONSUMER,
    autocommit: false,
    deserializers: {
      key: stringDeserializer,
      headerKey: stringDeserializer,
      headerValue: stringDeserializer,
    },
  });
  const messages: InboundMessage[] = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST });
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      stream.on('data', (message: Message<string, Buffer, string, string>) => {
        messages.push(toInbound(message));
        if (message.offset + 1n >= (remaining.get(message.partition) ?? 0n))
          remaining.delete(message.partition);
        if (remaining.size === 0) resolve();
      });
    });
    await stream.close();
  } finally {
    await consumer.close(true);
    await withAdmin(config, (admin) => admin.deleteGroups({ groups: [groupId] })).catch(() => undefined);
  }
  return messages.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

/** Deletes every message currently in a topic (Kafka's delete-records; the topic stays). */
/**
 * Deletes each given partition's messages below the given offset (Kafka deletes only a prefix of a
 * partition), never past what the partition holds now. Returns how many messages went.
 */
export async function purgeTopic(
  config: KafkaConnectionConfig,
  topic: string,
  before: PartitionOffset[],
): Promise<number> {
  return withAdmin(config, async (admin) => {
    const ranges = new Map((await topicRanges(admin, topic)).map((range) => [range.partition, range]));
    const cuts = before.flatMap(({ partition, offset }) => {
      const range = ranges.get(partition);
      if (!range) return [];
      const cut = BigInt(offset) < range.high ? BigInt(offset) : range.high;
      return cut > range.low ? [{ partition, offset: cut, purged: Number(cut - range.low) }] : [];
    });
    if (cuts.length === 0) return 0;
    await admin.deleteRecords({
      topics: [{ name: topic, partitions: cuts.map(({ partition, offset }) => ({ partition, offset })) }],
    });
    return cuts.reduce((sum, { purged }) => sum + purged, 0);
  });
}

export interface PartitionOffset {
  partition: number;
  offset: string;
}

/** The next offset to be written on every partition of a topic (where a new reader starts). */
export async function topicEndOffsets(
  config: KafkaConnectionConfig,
  topic: string,
): Promise<PartitionOffset[]> {
  return withAdmin(config, async (admin) =>
    (await topicRanges(admin, topic)).map(({ partition, high }) => ({ partition, offset: high.toString() })),
  );
}

/**
 * Commits `offsets` for a group with no active members, so its next member reads exactly from there
 * (operators moving a group; benchmarks and tests that must not read older events).
 */
export async function setGroupOffsets(
  config: KafkaConnectionConfig,
  groupId: string,
  topic: string,
  offsets: PartitionOffset[],
): Promise<void> {
  await withAdmin(config, async (admin) => {
    await admin.alterConsumerGroupOffsets({
      groupId,
      topics: [
        {
          name: topic,
          partitionOffsets: offsets.map(({ partition, offset }) => ({ partition, offset: BigInt(offset) })),
        },
      ],
    });
    const committed = await committedOffsets(admin, groupId, topic);
    const wrong = offsets.filter(({ partition, offset }) => committed.get(partition)?.toString() !== offset);
    if (wrong.length > 0) {
      throw new Error(
        `consumer group ${groupId} on ${topic}: partitions ${wrong.map((w) => w.partition).join(', ')} not moved`,
      );
    }
  });
}

/**
 * Positions a consumer group at the current end of a topic, so its next member reads only what is
 * published from now on (a new group otherwise starts at the earliest retained message). With
 * `onlyIfNew`, a group that has committed offsets on the topic is left where it is.
 */
export async function moveGroupToEnd(
  config: KafkaConnectionConfig,
  groupId: string,
  topic: string,
  options: { onlyIfNew?: boolean } = {},
): Promise<void> {
  if (options.onlyIfNew) {
    const committed = await withAdmin(config, (admin) => committedOffsets(admin, groupId, topic));
    if (committed.size > 0) return;
  }
  await setGroupOffsets(config, groupId, topic, await topicEndOffsets(config, topic));
}
