// `disconnect` is the consumer's part of a graceful shutdown (SIGTERM): it returns once the batches in
// progress have returned, and never waits on a retry pause. Real broker of deploy/stack.sh.
import { KafkaBatchConsumer, KafkaPublisher, ensureTopics } from '@switchboard/kafka';
import { Admin } from '@platformatic/kafka';

import { kafkaBrokers, uniqueName, waitFor } from '../support/stack';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('KafkaBatchConsumer.disconnect', () => {
  const run = uniqueName('shutdown');
  const connection = { clientId: run, brokers: kafkaBrokers() };
  const producer = new KafkaPublisher(connection);
  const topics: string[] = [];
  const groups: string[] = [];

  const member = async (name: string, partitions: number) => {
    const topic = `test.${run}-${name}`;
    const groupId = `group-${run}-${name}`;
    topics.push(topic);
    groups.push(groupId);
    await ensureTopics(connection, [{ name: topic, partitions }]);
    // Three batches at a time, the consumer's default concurrency.
    const consumer = new KafkaBatchConsumer(connection, { groupId, partitionsConsumedConcurrently: 3 });
    return { topic, consumer };
  };

  beforeAll(() => producer.connect());

  afterAll(async () => {
    await producer.disconnect();
    const admin = new Admin({ clientId: run, bootstrapBrokers: kafkaBrokers() });
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.deleteGroups({ groups }).catch(() => undefined);
    await admin.close();
  });

  it('returns once every running batch has returned, however many run', async () => {
    const { topic, consumer } = await member('batches', 3);
    const running = new Map<number, () => void>();
    const committedAfterStop: boolean[] = [];
    await consumer.run([topic], async (batch, controls) => {
      await new Promise<void>((resolve) => running.set(batch.partitions[0], resolve));
      committedAfterStop.push(await controls.commit(batch.messages[batch.messages.length - 1]));
    });
    // Thirty keys spread over the three partitions, so that each has a batch in progress.
    await producer.publish(
      Array.from({ length: 30 }, (_, n) => ({ topic, key: `k${n}`, value: String(n), headers: {} })),
    );
    await waitFor(() => running.size === 3, 'a batch running on each of the three partitions', 60_000, 100);

    let disconnected = false;
    const disconnecting = consumer.disconnect().then(() => (disconnected = true));
    // The batches finish one after another; the member waits for the last.
    const [first, second, third] = [...running.values()];
    first();
    await sleep(300);
    expect(disconnected).toBe(false);
    second();
    await sleep(300);
    expect(disconnected).toBe(false);
    third();
    await Promise.race([
      disconnecting,
      sleep(10_000).then(() => {
        throw new Error('disconnect did not return within 10 s of the last batch returning');
      }),
    ]);
    expect(disconnected).toBe(true);
    // Stopping, a batch commits nothing more: its messages go to the next owner of the partition.
    expect(committedAfterStop).toEqual([false, false, false]);
  });

  it('cuts short the pause before a failed batch is retried', async () => {
    const { topic, consumer } = await member('retry', 1);
    let attempts = 0;
    let failedAt = 0;
    await consumer.run([topic], () => {
      attempts += 1;
      failedAt = Date.now();
      return Promise.reject(new Error('the database is down'));
    });
    await producer.publish([{ topic, key: 'k', value: 'v', headers: {} }]);
    // The pauses grow by a second per attempt: after the third failure the member waits 3 s.
    await waitFor(() => attempts === 3, 'the third attempt', 60_000, 20);
    await sleep(Math.max(0, failedAt + 200 - Date.now()));
    const started = Date.now();
    await consumer.disconnect();
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(attempts).toBe(3);
  });
});
