// `commitIntervalMs`: the offsets a handler commits go to the broker together, at most that often,
// and whatever is pending goes out when the member disconnects. Real broker of deploy/stack.sh.
import { KafkaBatchConsumer, KafkaPublisher, consumerLag, ensureTopics } from '@switchboard/kafka';
import { Admin } from '@platformatic/kafka';

import { kafkaBrokers, uniqueName, waitFor } from '../support/stack';

jest.setTimeout(120_000);

const INTERVAL_MS = 4_000;

describe('KafkaBatchConsumer with a commit interval', () => {
  const run = uniqueName('commit-interval');
  const connection = { clientId: run, brokers: kafkaBrokers() };
  const topic = `test.${run}`;
  const groupId = `group-${run}`;
  const producer = new KafkaPublisher(connection);

  beforeAll(async () => {
    await producer.connect();
    await ensureTopics(connection, [{ name: topic, partitions: 2 }]);
  });

  afterAll(async () => {
    await producer.disconnect();
    const admin = new Admin({ clientId: run, bootstrapBrokers: kafkaBrokers() });
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.deleteGroups({ groups: [groupId] }).catch(() => undefined);
    await admin.close();
  });

  /** Committed offsets per partition ('-1': none yet). */
  const committed = async () =>
    new Map((await consumerLag(connection, groupId, [topic])).map((p) => [p.partition, p.committed ?? '-1']));
  const send = (values: string[]) =>
    producer.publish(values.map((value, n) => ({ topic, key: `k${n}`, value, headers: {} })));

  it('sends the offsets of every partition after the interval, and what is pending on disconnect', async () => {
    const consumer = new KafkaBatchConsumer(connection, { groupId, commitIntervalMs: INTERVAL_MS });
    const answers: boolean[] = [];
    let handled = 0;
    await consumer.run([topic], async (batch, controls) => {
      answers.push(await controls.commit(batch.messages[batch.messages.length - 1]));
      handled += batch.messages.length;
    });

    await send(['a', 'b', 'c', 'd']);
    await waitFor(() => handled === 4, 'the four messages handled', 60_000, 20);
    // Answered at once, and not sent yet.
    expect(answers.every(Boolean)).toBe(true);
    expect([...(await committed()).values()]).toEqual(['-1', '-1']);
    const ends = new Map((await consumerLag(connection, groupId, [topic])).map((p) => [p.partition, p.end]));
    await waitFor(
      async () => {
        const now = await committed();
        return [...ends].every(([partition, end]) => now.get(partition) === end);
      },
      'the offsets of both partitions committed after the interval',
      INTERVAL_MS * 3,
      200,
    );

    await send(['e', 'f']);
    await waitFor(() => handled === 6, 'two more messages handled', 30_000, 20);
    await consumer.disconnect();
    const after = await consumerLag(connection, groupId, [topic]);
    expect(after.map((p) => p.committed)).toEqual(after.map((p) => p.end));
  });
});
