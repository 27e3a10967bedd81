// The Kafka seam (libs/kafka on @platformatic/kafka) against the broker of deploy/stack.sh (Apache
// Kafka 4.x, KRaft): the client features Switchboard relies on, end to end. Fails if any protocol step
// is refused or misbehaves.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import { Admin } from '@platformatic/kafka';

import {
  KafkaBatchConsumer,
  KafkaPublisher,
  consumerLag,
  ensureTopics,
  type GroupProtocol,
  type InboundMessage,
} from '@switchboard/kafka';

import { ROOT } from '../support/cluster';
import { kafkaBrokers, uniqueName, waitFor } from '../support/stack';

jest.setTimeout(120_000);

const PARTITIONS = 4;
const KEYS = 8;
const FIRST_BATCH = 40; // seq 0..39
const COMMIT_BELOW = 30; // the first consumer commits only seq < 30
const SECOND_BATCH = 20; // seq 40..59

interface Received {
  seq: number;
  key: string;
  partition: number;
  offset: string;
  header: string;
}

function decode(message: InboundMessage): Received {
  const body = JSON.parse(message.value?.toString() ?? 'null') as { seq: number };
  return {
    seq: body.seq,
    key: message.key ?? '',
    partition: message.partition,
    offset: message.offset,
    header: message.headers['x-run'] ?? '',
  };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe.each<GroupProtocol>(['consumer', 'classic'])(
  'the Kafka seam against the local broker (%s group protocol)',
  (protocol) => {
    const run = uniqueName(`compat-${protocol}`);
    const topic = `test.${run}`;
    const groupId = `test-group-${run}`;
    const connection = { clientId: run, brokers: kafkaBrokers() };
    const admin = new Admin({ clientId: run, bootstrapBrokers: kafkaBrokers() });
    const publisher = new KafkaPublisher(connection);
    const members: KafkaBatchConsumer[] = [];

    const keyed = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => {
        const seq = from + i;
        return { topic, key: `k${seq % KEYS}`, value: JSON.stringify({ seq }), headers: { 'x-run': run } };
      });

    afterAll(async () => {
      for (const member of members) await member.disconnect().catch(() => undefined);
      await publisher.disconnect().catch(() => undefined);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.deleteGroups({ groups: [groupId] }).catch(() => undefined);
      await admin.close();
    });

    /** Starts a group member that commits through the last message with seq < commitBelow. */
    async function startMember(
      commitBelow: number,
    ): Promise<{ member: KafkaBatchConsumer; received: Received[] }> {
      const received: Received[] = [];
      const member = new KafkaBatchConsumer(connection, {
        groupId,
        groupProtocol: protocol,
        sessionTimeoutMs: 10_000,
      });
      members.push(member);
      await member.connect();
      await member.run([topic], async (batch, controls) => {
        let commitTo: InboundMessage | undefined;
        for (const message of batch.messages) {
          if (!controls.isActive()) break;
          const record = decode(message);
          received.push(record);
          if (record.seq < commitBelow) commitTo = message;
        }
        if (commitTo) await controls.commit(commitTo);
      });
      return { member, received };
    }

    async function stopMember(member: KafkaBatchConsumer): Promise<void> {
      await member.disconnect();
      members.splice(members.indexOf(member), 1);
    }

    async function committedOffsets(): Promise<Map<number, string>> {
      const lag = await consumerLag(connection, groupId, [topic]);
      return new Map(lag.map((p) => [p.partition, p.committed ?? '-1']));
    }

    it('creates a topic with several partitions', async () => {
      expect(await ensureTopics(connection, [{ name: topic, partitions: PARTITIONS }])).toEqual([topic]);
      expect(await ensureTopics(connection, [{ name: topic, partitions: PARTITIONS }])).toEqual([]);
      const metadata = await admin.metadata({ topics: [topic] });
      expect(metadata.topics.get(topic)?.partitionsCount).toBe(PARTITIONS);
    });

    it('produces keyed messages with the idempotent producer (acks=all), exactly once', async () => {
      await publisher.connect();
      await publisher.publish(keyed(0, FIRST_BATCH));
      const lag = await consumerLag(connection, groupId, [topic]);
      expect(lag.reduce((sum, p) => sum + Number(p.end), 0)).toBe(FIRST_BATCH);
    });

    it('consumes partition batches, commits manually, and admin reads the committed offsets', async () => {
      const { member, received } = await startMember(COMMIT_BELOW);
      await waitFor(() => received.length >= FIRST_BATCH, `${FIRST_BATCH} messages (got ${received.length})`);
      expect(member.isConnected()).toBe(true);

      // Every message once, keys stick to one partition, per-key order kept, headers round-trip.
      expect(received.map((r) => r.seq).sort((a, b) => a - b)).toEqual(range(0, FIRST_BATCH));
      expect(new Set(received.map((r) => r.header))).toEqual(new Set([run]));
      const partitionOfKey = new Map<string, number>();
      const lastSeqOfKey = new Map<string, number>();
      for (const r of received) {
        expect(partitionOfKey.get(r.key) ?? r.partition).toBe(r.partition);
        partitionOfKey.set(r.key, r.partition);
        expect(r.seq).toBeGreaterThan(lastSeqOfKey.get(r.key) ?? -1);
        lastSeqOfKey.set(r.key, r.seq);
      }

      const expected = new Map<number, string>();
      for (const r of received) {
        if (r.seq < COMMIT_BELOW) expected.set(r.partition, (BigInt(r.offset) + 1n).toString());
      }
      expect(expected.size).toBeGreaterThan(0);
      await waitFor(async () => {
        const committed = await committedOffsets();
        return [...expected].every(([partition, offset]) => committed.get(partition) === offset);
      }, 'the manual commits to be visible through the admin API');
      const committed = await committedOffsets();
      for (let partition = 0; partition < PARTITIONS; partition += 1) {
        expect(committed.get(partition)).toBe(expected.get(partition) ?? '-1');
      }

      // The group speaks the protocol it was asked for (KIP-848's `consumer` on Kafka 4).
      const groups = await admin.listGroups({ types: [protocol] });
      expect(groups.has(groupId)).toBe(true);

      await stopMember(member);
    });

    it('a restarted member of the group resumes from the committed offsets', async () => {
      await publisher.publish(keyed(FIRST_BATCH, SECOND_BATCH));
      const { member, received } = await startMember(Number.POSITIVE_INFINITY);
      const expectedSeqs = range(COMMIT_BELOW, FIRST_BATCH + SECOND_BATCH); // uncommitted + new, nothing else
      await waitFor(
        () => received.length >= expectedSeqs.length,
        `${expectedSeqs.length} messages after the restart (got ${received.length})`,
      );
      // Give a redelivery (or a duplicate) time to show up before judging.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(received.filter((r) => r.seq < COMMIT_BELOW)).toEqual([]); // committed ones never come back
      expect(received.map((r) => r.seq).sort((a, b) => a - b)).toEqual(expectedSeqs);

      await waitFor(async () => {
        const lag = await consumerLag(connection, groupId, [topic]);
        return lag.every((p) => p.lag === 0);
      }, 'the group offsets to reach the end of the topic');
      await stopMember(member);
    });
  },
);

describe('key partitioning compatible with the Java client', () => {
  it('puts every key on the partition that Kafka’s own console producer chooses', async () => {
    const run = uniqueName('murmur');
    const [javaTopic, nodeTopic] = [`test.${run}-java`, `test.${run}-node`];
    const connection = { clientId: run, brokers: kafkaBrokers() };
    await ensureTopics(connection, [
      { name: javaTopic, partitions: 12 },
      { name: nodeTopic, partitions: 12 },
    ]);
    // Keys whose murmur2 hash is negative for half of them: where the two partitioners differ.
    const keys = Array.from({ length: 64 }, (_, i) => `deal-${i * 7919}`);
    execFileSync(
      'java',
      [
        '-Xmx128m',
        '-cp',
        `${join(ROOT, 'deploy/kafka/target/lib')}/*`,
        'org.apache.kafka.tools.ConsoleProducer',
        '--bootstrap-server',
        kafkaBrokers()[0],
        '--topic',
        javaTopic,
        '--property',
        'parse.key=true',
        '--property',
        'key.separator=|',
      ],
      { input: keys.map((key) => `${key}|x`).join('\n') + '\n', stdio: ['pipe', 'ignore', 'inherit'] },
    );
    const publisher = new KafkaPublisher(connection);
    await publisher.publish(keys.map((key) => ({ topic: nodeTopic, key, value: 'x', headers: {} })));
    await publisher.disconnect();

    const partitionsOf = async (topic: string) => {
      const seen = new Map<string, number>();
      const reader = new KafkaBatchConsumer(connection, { groupId: `${topic}-reader` });
      await reader.run([topic], async (batch, controls) => {
        for (const message of batch.messages) seen.set(message.key ?? '', message.partition);
        await controls.commit(batch.messages[batch.messages.length - 1]);
      });
      await waitFor(() => seen.size === keys.length, `${keys.length} keys on ${topic} (got ${seen.size})`);
      await reader.disconnect();
      return seen;
    };
    const java = await partitionsOf(javaTopic);
    const node = await partitionsOf(nodeTopic);
    expect(new Set(java.values()).size).toBeGreaterThan(6);
    for (const key of keys) expect([key, node.get(key)]).toEqual([key, java.get(key)]);

    const admin = new Admin({ clientId: run, bootstrapBrokers: kafkaBrokers() });
    await admin.deleteTopics({ topics: [javaTopic, nodeTopic] }).catch(() => undefined);
    await admin.close();
  });
});
