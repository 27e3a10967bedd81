// A member that gets partitions added to its assignment (Kafka 4's consumer protocol: another member
// left) has the client reset the fetch position of every partition it holds, kept ones included, to
// the committed offset. A fetch already in flight then still lands and moves the position past what
// it returned: what this member had fetched but not yet handed over must not be thrown away on the
// reset, or it is never fetched again and the next commit skips it. With partitions combined in one
// batch, a batch whose one partition is revoked stops, and what it leaves of the partitions still
// held must be handed over again. Real broker of deploy/stack.sh.
import {
  KafkaBatchConsumer,
  KafkaPublisher,
  ensureTopics,
  type BatchHandler,
  type InboundMessage,
} from '@switchboard/kafka';
import { Admin } from '@platformatic/kafka';

import { kafkaBrokers, uniqueName, waitFor } from '../support/stack';

jest.setTimeout(180_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([
  { batches: 'one partition per batch', combinePartitionsBelow: 1 },
  { batches: 'partitions combined in a batch', combinePartitionsBelow: 1_000 },
])('KafkaBatchConsumer while its assignment grows and shrinks, $batches', ({ combinePartitionsBelow }) => {
  const run = uniqueName('reassign');
  const topic = `test.${run}`;
  const groupId = `group-${run}`;
  const connection = { clientId: run, brokers: kafkaBrokers() };
  const producer = new KafkaPublisher(connection);
  const members: KafkaBatchConsumer[] = [];

  beforeAll(async () => {
    await ensureTopics(connection, [{ name: topic, partitions: 2 }]);
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.all(members.map((member) => member.disconnect().catch(() => undefined)));
    await producer.disconnect();
    const admin = new Admin({ clientId: run, bootstrapBrokers: kafkaBrokers() });
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.deleteGroups({ groups: [groupId] }).catch(() => undefined);
    await admin.close();
  });

  it('hands over every message, none skipped, through members joining and leaving', async () => {
    /** Offsets applied per partition, in the order they came, across both members. */
    const handled = new Map<number, number[]>();
    let lastHandledAt = Date.now();
    // A slow handler keeps fetched messages waiting behind the running batch, as a database does.
    // The batch counts as applied once its work is done while the member is active, as a database
    // transaction commits before the offset does: `commit` answering false only says to stop, and a
    // member that is leaving gets false after its commit landed, so counting only on true would
    // report a batch as skipped that was applied and committed.
    const handler: BatchHandler = async (batch, controls) => {
      await sleep(80);
      if (!controls.isActive()) return;
      const last = new Map<number, InboundMessage>();
      for (const message of batch.messages) {
        const seen = handled.get(message.partition) ?? [];
        seen.push(Number(message.offset));
        handled.set(message.partition, seen);
        last.set(message.partition, message);
      }
      lastHandledAt = Date.now();
      for (const message of last.values()) if (!(await controls.commit(message))) return;
    };
    const join = async () => {
      const member = new KafkaBatchConsumer(connection, { groupId, combinePartitionsBelow });
      members.push(member);
      await member.run([topic], handler);
      return member;
    };
    const first = await join();

    let produced = 0;
    let producing = true;
    const production = (async () => {
      while (producing) {
        await producer.publish(
          Array.from({ length: 20 }, (_, n) => ({
            topic,
            key: `k${(produced + n) % 40}`,
            value: String(produced + n),
            headers: {},
          })),
        );
        produced += 20;
        await sleep(40);
      }
    })();

    await waitFor(() => handled.size === 2, 'the first member handling both partitions', 60_000, 100);
    // Each time the second member leaves, its partition is added back to the first member, whose
    // fetch positions the client then resets while it holds fetched messages of the other one.
    for (let cycle = 0; cycle < 3; cycle += 1) {
      const second = await join();
      await sleep(4_000);
      await second.disconnect();
      members.splice(members.indexOf(second), 1);
      await sleep(4_000);
    }
    producing = false;
    await production;

    // Done once nothing new has been handed over for 5 s (or everything was).
    const total = () => [...handled.values()].reduce((sum, offsets) => sum + new Set(offsets).size, 0);
    await waitFor(
      () => total() >= produced || Date.now() - lastHandledAt > 5_000,
      'the members to finish',
      90_000,
      200,
    );
    expect(first.isConnected()).toBe(true);

    const gaps: string[] = [];
    for (const [partition, offsets] of handled) {
      const distinct = [...new Set(offsets)].sort((a, b) => a - b);
      for (let index = 0; index < distinct.length; index += 1)
        if (distinct[index] !== index) {
          gaps.push(
            `partition ${partition}: offset ${index} never handed over (next was ${distinct[index]})`,
          );
          break;
        }
    }
    expect(gaps).toEqual([]);
    expect(total()).toBe(produced);
  });
});
