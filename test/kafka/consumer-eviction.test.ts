// A consumer evicted by the group coordinator rejoins by itself. A batch that outlives the session
// timeout without a heartbeat (a downstream call hanging on a loaded machine) gets the member
// removed from the group; kafkajs then crashes with a non-retriable error and, left alone, never
// consumes again while the process keeps running. KafkaBatchConsumer must start it again, and the
// redelivered, uncommitted messages must reach the handler. Real broker of deploy/stack.sh.
import { Kafka, logLevel } from 'kafkajs';

import { KafkaBatchConsumer } from '@switchboard/kafka';

import { kafkaBrokers, uniqueName, waitFor } from '../support/stack';

jest.setTimeout(180_000);

describe('KafkaBatchConsumer after an eviction', () => {
  const run = uniqueName('evict');
  const topic = `test.${run}`;
  const kafka = new Kafka({ clientId: run, brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  let consumer: KafkaBatchConsumer | undefined;

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await producer.connect();
  });

  afterAll(async () => {
    await consumer?.disconnect().catch(() => undefined);
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.deleteGroups([`group-${run}`]).catch(() => undefined);
    await admin.disconnect();
  });

  it('rejoins the group and consumes what came after the stalled batch', async () => {
    consumer = new KafkaBatchConsumer(
      { brokers: kafkaBrokers(), clientId: run },
      // The broker's smallest allowed session timeout, so the stall below outlives it quickly.
      { groupId: `group-${run}`, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 },
    );
    const seen: string[] = [];
    let stalled = false;
    await consumer.connect();
    await consumer.run([topic], async (batch, controls) => {
      if (!stalled) {
        stalled = true;
        // No heartbeat for three session timeouts: the coordinator evicts this member. What the
        // inbox does next (a heartbeat while it waits, the offset commit) is refused.
        await new Promise((resolve) => setTimeout(resolve, 18_000));
        await controls.heartbeat().catch(() => undefined);
        await controls.commit(batch.messages[0]);
        return;
      }
      for (const message of batch.messages) {
        seen.push(message.value?.toString() ?? '');
        await controls.commit(message);
      }
    });
    await producer.send({ topic, messages: [{ key: 'k', value: 'first' }] });
    await waitFor(() => stalled, 'the first batch', 60_000);
    await producer.send({ topic, messages: [{ key: 'k', value: 'second' }] });

    await waitFor(() => seen.includes('second'), 'the message after the eviction', 120_000, 200);
    // The stalled batch was never committed: it comes again after the rejoin, before the second.
    expect(seen.slice(0, 2)).toEqual(['first', 'second']);
    expect(consumer.isConnected()).toBe(true);
  });
});
