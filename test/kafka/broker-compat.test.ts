// kafkajs 2.2.4 against the broker of deploy/stack.sh (Apache Kafka 4.x, KRaft): the client features
// Switchboard relies on, end to end. Fails if any protocol step is refused or misbehaves.
import { Admin, Consumer, Kafka, KafkaMessage, logLevel, Partitioners, Producer } from 'kafkajs';
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

function decode(partition: number, message: KafkaMessage): Received {
  const body = JSON.parse(message.value?.toString() ?? 'null') as { seq: number };
  return {
    seq: body.seq,
    key: message.key?.toString() ?? '',
    partition,
    offset: message.offset,
    header: message.headers?.['x-run']?.toString() ?? '',
  };
}

function keyed(from: number, count: number, run: string) {
  return Array.from({ length: count }, (_, i) => {
    const seq = from + i;
    return { key: `k${seq % KEYS}`, value: JSON.stringify({ seq }), headers: { 'x-run': run } };
  });
}

/** A consumer group member; crashes are collected so that they fail the test instead of timing out. */
interface Member {
  consumer: Consumer;
  received: Received[];
  crashes: unknown[];
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('kafkajs 2.2.4 against the local Kafka broker', () => {
  const run = uniqueName('compat');
  const topic = `test.${run}`;
  const groupId = `test-group-${run}`;
  // Generous retries: on a just-formatted broker the group/transaction coordinators load for a moment.
  const kafka = new Kafka({
    clientId: run,
    brokers: kafkaBrokers(),
    logLevel: logLevel.ERROR,
    retry: { initialRetryTime: 300, retries: 8 },
  });

  let admin: Admin;
  let producer: Producer | undefined;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    for (const consumer of consumers) await consumer.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic], timeout: 10_000 }).catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  });

  /** Starts a group member that commits (manually) through the last message with seq < commitBelow. */
  function startMember(commitBelow: number): Member {
    const received: Received[] = [];
    const crashes: unknown[] = [];
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 500,
    });
    consumers.push(consumer);
    // A crash kafkajs recovers from by itself (restart: true, e.g. coordinator still loading) is fine as
    // long as no message is lost or delivered twice, which the assertions check; any other crash fails.
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) crashes.push(event.payload.error);
    });
    void (async () => {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          let commitTo: string | undefined;
          for (const message of batch.messages) {
            if (!isRunning() || isStale()) break;
            const record = decode(batch.partition, message);
            received.push(record);
            resolveOffset(message.offset);
            if (record.seq < commitBelow) commitTo = message.offset;
          }
          if (commitTo !== undefined) {
            await consumer.commitOffsets([
              { topic: batch.topic, partition: batch.partition, offset: (BigInt(commitTo) + 1n).toString() },
            ]);
          }
          await heartbeat();
        },
      });
    })().catch((error: unknown) => crashes.push(error));
    return { consumer, received, crashes };
  }

  async function stopMember({ consumer }: Member): Promise<void> {
    await consumer.disconnect();
    consumers.splice(consumers.indexOf(consumer), 1);
  }

  async function committedOffsets(): Promise<Map<number, string>> {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(entry?.topic).toBe(topic);
    return new Map(entry.partitions.map((p) => [p.partition, p.offset]));
  }

  it('creates a topic with several partitions', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.length).toBeGreaterThanOrEqual(1);

    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
    expect(await admin.listTopics()).toContain(topic);

    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(PARTITIONS);
    for (const partition of metadata.topics[0].partitions) expect(partition.leader).toBeGreaterThanOrEqual(0);
  });

  it('produces keyed messages with an idempotent producer (acks=-1)', async () => {
    producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const metadata = await producer.send({ topic, acks: -1, messages: keyed(0, FIRST_BATCH, run) });
    expect(metadata.every((m) => m.errorCode === 0)).toBe(true);

    const offsets = await admin.fetchTopicOffsets(topic);
    const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    expect(total).toBe(FIRST_BATCH); // exactly once: no duplicates, nothing lost
  });

  it('consumes with eachBatch, commits manually, and admin reads the committed offsets', async () => {
    const member = startMember(COMMIT_BELOW);
    const { received } = member;
    await waitFor(
      () => received.length >= FIRST_BATCH || member.crashes.length > 0,
      `${FIRST_BATCH} messages (got ${received.length})`,
    );
    expect(member.crashes).toEqual([]);

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

    // The commit is the offset after the last message with seq < COMMIT_BELOW in each partition.
    const expected = new Map<number, string>();
    for (const r of received) {
      if (r.seq < COMMIT_BELOW) expected.set(r.partition, (BigInt(r.offset) + 1n).toString());
    }
    expect(expected.size).toBeGreaterThan(0);
    await waitFor(async () => {
      const committed = await committedOffsets();
      return [...expected].every(([partition, offset]) => committed.get(partition) === offset);
    }, 'the manual commits to be visible through admin.fetchOffsets');
    const committed = await committedOffsets();
    for (let partition = 0; partition < PARTITIONS; partition += 1) {
      expect(committed.get(partition)).toBe(expected.get(partition) ?? '-1');
    }

    await stopMember(member);
  });

  it('a restarted member of the group resumes from the committed offsets', async () => {
    await producer!.send({ topic, acks: -1, messages: keyed(FIRST_BATCH, SECOND_BATCH, run) });

    const member = startMember(Number.POSITIVE_INFINITY);
    const { received } = member;
    const expectedSeqs = range(COMMIT_BELOW, FIRST_BATCH + SECOND_BATCH); // uncommitted + new, nothing else
    await waitFor(
      () => received.length >= expectedSeqs.length || member.crashes.length > 0,
      `${expectedSeqs.length} messages after the restart (got ${received.length})`,
    );
    // Give a redelivery (or a duplicate) time to show up before judging.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(member.crashes).toEqual([]);
    expect(received.filter((r) => r.seq < COMMIT_BELOW)).toEqual([]); // committed ones never come back
    expect(received.map((r) => r.seq).sort((a, b) => a - b)).toEqual(expectedSeqs);

    // It committed everything it read: the group is at the end of every partition.
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
    await waitFor(async () => {
      const committed = await committedOffsets();
      return [...ends].every(([partition, high]) => high === '0' || committed.get(partition) === high);
    }, 'the group offsets to reach the end of the topic');

    await stopMember(member);
  });
});
