import { randomUUID } from 'node:crypto';

import type { Admin } from 'kafkajs';

import { toInbound } from './kafka-batch-consumer';
import { createKafka, type KafkaConnectionConfig } from './kafka-connection';
import type { InboundMessage } from './kafka.types';

export interface TopicSpec {
  name: string;
  partitions: number;
}

/** Creates the topics that do not exist yet; existing ones are left as they are. */
export async function ensureTopics(config: KafkaConnectionConfig, topics: TopicSpec[]): Promise<string[]> {
  const admin = createKafka(config).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.name));
    if (missing.length > 0) {
      // A broker started seconds ago answers "unknown topic-partition" while it elects leaders,
      // which kafkajs does not retry: wait and ask again (creating is idempotent via the list).
      for (let attempt = 1; ; attempt += 1) {
        try {
          const still = new Set(await admin.listTopics());
          const toCreate = missing.filter((topic) => !still.has(topic.name));
          if (toCreate.length === 0) break;
          await admin.createTopics({
            waitForLeaders: true,
            topics: toCreate.map((topic) => ({ topic: topic.name, numPartitions: topic.partitions })),
          });
          break;
        } catch (error) {
          if (attempt >= 10) throw error;
          await new Promise((resolve) => setTimeout(resolve, 1_000 * attempt));
        }
      }
    }
    return missing.map((topic) => topic.name);
  } finally {
    await admin.disconnect();
  }
}

// Answers a broker gives while it (re)elects partition leaders, e.g. just after a topic was created
// or the broker restarted; kafkajs' admin does not retry listOffsets on them.
const LEADERSHIP_IN_FLUX = new Set([
  'NOT_LEADER_FOR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
]);

/** `admin.fetchTopicOffsets`, waiting out leader elections (about 10 s at most). */
async function topicOffsets(admin: Admin, topic: string): ReturnType<Admin['fetchTopicOffsets']> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      const type = (error as { type?: string }).type;
      if (attempt >= 8 || !type || !LEADERSHIP_IN_FLUX.has(type)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }
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
  const admin = createKafka(config).admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId, topics });
    const result: PartitionLag[] = [];
    for (const { topic, partitions } of committed) {
      const ends = await topicOffsets(admin, topic);
      for (const end of ends) {
        const offset = partitions.find((entry) => entry.partition === end.partition)?.offset ?? '-1';
        const position = offset === '-1' ? Number(end.low) : Number(offset);
        result.push({
          topic,
          partition: end.partition,
          committed: offset === '-1' ? null : offset,
          end: end.high,
          lag: Math.max(0, Number(end.high) - position),
        });
      }
    }
    return result;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Every message currently in a topic, read without a consumer group (nothing is committed):
 * what an operator tool needs to list a dead-letter topic.
 */
export async function readTopic(config: KafkaConnectionConfig, topic: string): Promise<InboundMessage[]> {
  const kafka = createKafka(config);
  const admin = kafka.admin();
  await admin.connect();
  const ends = await topicOffsets(admin, topic).finally(() => admin.disconnect());
  const remaining = new Map(
    ends.filter((end) => Number(end.high) > Number(end.low)).map((end) => [end.partition, Number(end.high)]),
  );
  if (remaining.size === 0) return [];
  const messages: InboundMessage[] = [];
  const consumer = kafka.consumer({ groupId: `switchboard-reader-${randomUUID()}` });
  await consumer.connect();
  try {
    await new Promise<void>((resolve, reject) => {
      consumer
        .subscribe({ topics: [topic], fromBeginning: true })
        .then(() =>
          consumer.run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              messages.push(toInbound(topic, partition, message));
              if (Number(message.offset) + 1 >= (remaining.get(partition) ?? 0)) remaining.delete(partition);
              if (remaining.size === 0) resolve();
              return Promise.resolve();
            },
          }),
        )
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return messages.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

/** Deletes every message currently in a topic (Kafka's delete-records; the topic stays). */
export async function purgeTopic(config: KafkaConnectionConfig, topic: string): Promise<number> {
  const admin = createKafka(config).admin();
  await admin.connect();
  try {
    const ends = await topicOffsets(admin, topic);
    const purged = ends.reduce((sum, end) => sum + Number(end.high) - Number(end.low), 0);
    await admin.deleteTopicRecords({
      topic,
      partitions: ends.map((end) => ({ partition: end.partition, offset: end.high })),
    });
    return purged;
  } finally {
    await admin.disconnect();
  }
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
  const admin = createKafka(config).admin();
  await admin.connect();
  try {
    if (options.onlyIfNew) {
      // A group that has committed anything keeps its place (-1: nothing committed on a partition).
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      if (committed?.partitions.some((partition) => Number(partition.offset) >= 0)) return;
    }
    const ends = await topicOffsets(admin, topic);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: ends.map(({ partition, high }) => ({ partition, offset: high })),
    });
  } finally {
    await admin.disconnect();
  }
}
