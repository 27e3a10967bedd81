// `firstHandling` tells a batch handler whether a handling of the batch can have started before, so
// that the inbox records a chunk's start (to notice a crash inside it) only when it may be a
// redelivery. A false "true" would let a poison message crash its consumer without being counted.
// Real broker of deploy/stack.sh.
import { KafkaBatchConsumer, KafkaPublisher, ensureTopics, type PartitionBatch } from '@switchboard/kafka';
import { Admin } from '@platformatic/kafka';

import { kafkaBrokers, uniqueName, waitFor } from '../support/stack';

jest.setTimeout(120_000);

describe('KafkaBatchConsumer: firstHandling', () => {
  const run = uniqueName('first-handling');
  const connection = { clientId: run, brokers: kafkaBrokers() };
  const topic = `test.${run}`;
  const groupId = `group-${run}`;
  const producer = new KafkaPublisher(connection);
  const consumers: KafkaBatchConsumer[] = [];

  beforeAll(async () => {
    await producer.connect();
    await ensureTopics(connection, [{ name: topic, partitions: 1 }]);
  });

  afterAll(async () => {
    await Promise.all(consumers.map((consumer) => consumer.disconnect().catch(() => undefined)));
    await producer.disconnect();
    const admin = new Admin({ clientId: run, bootstrapBrokers: kafkaBrokers() });
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.deleteGroups({ groups: [groupId] }).catch(() => undefined);
    await admin.close();
  });

  /** A member that commits every batch it handles, except that it fails once on `failOnce`. */
  const member = async (seen: Array<{ values: string[]; firstHandling: boolean }>, failOnce?: string) => {
    const consumer = new KafkaBatchConsumer(connection, { groupId });
    consumers.push(consumer);
    let failed = false;
    await consumer.run([topic], async (batch: PartitionBatch, controls) => {
      const values = batch.messages.map((message) => message.value?.toString() ?? '');
      seen.push({ values, firstHandling: batch.firstHandling });
      if (failOnce && values.includes(failOnce) && !failed) {
        failed = true;
        throw new Error('the handler failed once');
      }
      await controls.commit(batch.messages[batch.messages.length - 1]);
    });
    return consumer;
  };

  const send = (value: string) => producer.publish([{ topic, key: 'k', value, headers: {} }]);

  it('is false for the first batch of a member and for a retried batch, true for a batch that follows a finished one', async () => {
    const seen: Array<{ values: string[]; firstHandling: boolean }> = [];
    await send('m0');
    const first = await member(seen, 'm2');
    await waitFor(() => seen.length === 1, 'the first batch', 60_000, 50);

    await send('m1');
    await waitFor(() => seen.length === 2, 'the second batch', 30_000, 50);
    await send('m2');
    // Handed over, failed, handed over again after the retry pause.
    await waitFor(() => seen.length === 4, 'the failing batch and its retry', 30_000, 50);
    await send('m3');
    await waitFor(() => seen.length === 5, 'the batch after the retry', 30_000, 50);

    expect(seen).toEqual([
      // Its handling may have started in a member that crashed: this one cannot know.
      { values: ['m0'], firstHandling: false },
      { values: ['m1'], firstHandling: true },
      { values: ['m2'], firstHandling: true },
      { values: ['m2'], firstHandling: false },
      { values: ['m3'], firstHandling: true },
    ]);

    // A new member of the group (a restart) does not know how far its predecessor got.
    await first.disconnect();
    const afterRestart: Array<{ values: string[]; firstHandling: boolean }> = [];
    await send('m4');
    await member(afterRestart);
    await waitFor(() => afterRestart.length === 1, 'the first batch after the restart', 60_000, 50);
    expect(afterRestart).toEqual([{ values: ['m4'], firstHandling: false }]);
  });
});
