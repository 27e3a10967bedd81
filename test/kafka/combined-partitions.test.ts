// With `combinePartitionsBelow`, the waiting messages of several partitions of a topic go to the
// handler in one batch: at a moderate rate spread over many partitions, one transaction takes what
// arrived on all of them. Each partition keeps its order, and each one's offset is committed on its
// own. Real broker of deploy/stack.sh.
import { KafkaBatchConsumer, KafkaPublisher, ensureTopics, type PartitionBatch } from '@switchboard/kafka';

import { commitEachPartition, dropTopicsAndGroups } from '../support/kafka';
import { kafkaBrokers, uniqueName, waitFor } from '../support/stack';

jest.setTimeout(120_000);

const PARTITIONS = 4;

describe('KafkaBatchConsumer: partitions combined in one batch', () => {
  const run = uniqueName('combined');
  const connection = { clientId: run, brokers: kafkaBrokers() };
  const producer = new KafkaPublisher(connection);
  const consumers: KafkaBatchConsumer[] = [];
  const topics: string[] = [];
  const groups: string[] = [];

  beforeAll(async () => {
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.all(consumers.map((consumer) => consumer.disconnect().catch(() => undefined)));
    await producer.disconnect();
    await dropTopicsAndGroups(topics, groups);
  });

  const topicWithMessages = async (name: string, count: number) => {
    const topic = `test.${run}.${name}`;
    topics.push(topic);
    await ensureTopics(connection, [{ name: topic, partitions: PARTITIONS }]);
    // Keys spread the messages over every partition.
    await producer.publish(
      Array.from({ length: count }, (_, n) => ({ topic, key: `k${n}`, value: String(n), headers: {} })),
    );
    return topic;
  };

  /** A member that records every batch and commits each partition's last message in it. */
  const member = async (topic: string, groupId: string, combinePartitionsBelow?: number) => {
    groups.push(groupId);
    const batches: PartitionBatch[] = [];
    const consumer = new KafkaBatchConsumer(connection, { groupId, combinePartitionsBelow });
    consumers.push(consumer);
    await consumer.run([topic], async (batch, controls) => {
      await commitEachPartition(batch, controls);
      // Recorded once committed: the test stops the member after the last one.
      batches.push(batch);
    });
    return { consumer, batches, handled: () => batches.flatMap((batch) => batch.messages) };
  };

  it('hands the waiting messages of several partitions over together, each partition in order, and commits each partition', async () => {
    const topic = await topicWithMessages('together', 60);
    const groupId = `group-${run}-together`;
    const first = await member(topic, groupId, 1_000);
    await waitFor(() => first.handled().length >= 60, 'all 60 messages', 60_000, 50);

    expect(Math.max(...first.batches.map((batch) => batch.partitions.length))).toBeGreaterThan(1);
    for (const batch of first.batches) {
      expect(new Set(batch.messages.map((message) => message.topic))).toEqual(new Set([topic]));
      expect([...new Set(batch.messages.map((message) => message.partition))].sort()).toEqual(
        [...batch.partitions].sort(),
      );
    }
    const offsets = new Map<number, number[]>();
    for (const message of first.handled())
      offsets.set(message.partition, [...(offsets.get(message.partition) ?? []), Number(message.offset)]);
    expect(offsets.size).toBe(PARTITIONS);
    for (const [partition, seen] of offsets)
      expect({ partition, seen }).toEqual({ partition, seen: seen.map((_, index) => index) });
    expect(first.handled()).toHaveLength(60);

    // Every partition's offset was committed: a new member of the group gets only what comes next.
    await first.consumer.disconnect();
    const second = await member(topic, groupId, 1_000);
    await producer.publish([{ topic, key: 'after', value: 'after', headers: {} }]);
    await waitFor(() => second.handled().length >= 1, 'the message sent after the restart', 60_000, 50);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(second.handled().map((message) => message.value?.toString())).toEqual(['after']);
  });

  it('hands over one partition per batch without it', async () => {
    const topic = await topicWithMessages('apart', 60);
    const alone = await member(topic, `group-${run}-apart`);
    await waitFor(() => alone.handled().length >= 60, 'all 60 messages', 60_000, 50);
    expect(alone.batches.every((batch) => batch.partitions.length === 1)).toBe(true);
    expect(new Set(alone.handled().map((message) => message.partition)).size).toBe(PARTITIONS);
  });

  it('stops combining once the waiting messages reach the threshold: a backlog comes one partition per batch', async () => {
    const topic = await topicWithMessages('backlog', 400);
    const backlog = await member(topic, `group-${run}-backlog`, 50);
    await waitFor(() => backlog.handled().length >= 400, 'all 400 messages', 60_000, 50);
    // About 100 messages per partition: each reaches the threshold alone.
    expect(backlog.batches.every((batch) => batch.partitions.length === 1)).toBe(true);
  });
});
