// A consumer evicted by the group coordinator rejoins by itself. The client heartbeats on its own
// timer, so only an event loop blocked past the session timeout (a CPU-bound handler, a stalled
// process) gets the member removed from the group; its stream is then closed by the client and, left
// alone, nothing is consumed again while the process keeps running. KafkaBatchConsumer must open a
// new one, and the redelivered, uncommitted messages must reach the handler. Real broker of
// deploy/stack.sh; the classic protocol, whose session timeout a client may set as low as 6 s (the
// consumer protocol's is the broker's, 45 s by default, for the same recovery path).
import { KafkaBatchConsumer, KafkaPublisher, ensureTopics } from '@switchboard/kafka';
import { Admin } from '@platformatic/kafka';

import { kafkaBrokers, uniqueName, waitFor } from '../support/stack';

jest.setTimeout(180_000);

describe('KafkaBatchConsumer after an eviction', () => {
  const run = uniqueName('evict');
  const topic = `test.${run}`;
  const connection = { clientId: run, brokers: kafkaBrokers() };
  const producer = new KafkaPublisher(connection);
  let consumer: KafkaBatchConsumer | undefined;

  beforeAll(async () => {
    await ensureTopics(connection, [{ name: topic, partitions: 1 }]);
    await producer.connect();
  });

  afterAll(async () => {
    await consumer?.disconnect().catch(() => undefined);
    await producer.disconnect();
    const admin = new Admin({ clientId: run, bootstrapBrokers: kafkaBrokers() });
    await admin.deleteTopics({ topics: [topic, `${topic}-long`] }).catch(() => undefined);
    await admin.deleteGroups({ groups: [`group-${run}`, `group-${run}-long`] }).catch(() => undefined);
    await admin.close();
  });

  it('rejoins the group and consumes what came after the stalled batch', async () => {
    consumer = new KafkaBatchConsumer(
      { brokers: kafkaBrokers(), clientId: run },
      // The broker's smallest allowed session timeout, so the stall below outlives it quickly.
      {
        groupId: `group-${run}`,
        groupProtocol: 'classic',
        sessionTimeoutMs: 6_000,
        heartbeatIntervalMs: 1_000,
      },
    );
    const seen: string[] = [];
    let stalled = false;
    let commitAfterStall: boolean | undefined;
    await consumer.connect();
    await consumer.run([topic], async (batch, controls) => {
      if (!stalled) {
        stalled = true;
        // The event loop blocked for three session timeouts: no heartbeat leaves, the coordinator
        // evicts this member, and the offset commit that follows is refused.
        const until = Date.now() + 18_000;
        while (Date.now() < until) {
          // busy: a CPU-bound handler
        }
        commitAfterStall = await controls.commit(batch.messages[0]);
        return;
      }
      for (const message of batch.messages) {
        seen.push(message.value?.toString() ?? '');
        await controls.commit(message);
      }
    });
    const send = (value: string) => producer.publish([{ topic, key: 'k', value, headers: {} }]);
    await send('first');
    await waitFor(() => stalled, 'the first batch', 60_000);
    await send('second');

    await waitFor(() => seen.includes('second'), 'the message after the eviction', 120_000, 200);
    // The stalled batch was never committed: it comes again after the rejoin, before the second.
    expect(commitAfterStall).toBe(false);
    expect(seen.slice(0, 2)).toEqual(['first', 'second']);
    expect(consumer.isConnected()).toBe(true);
  });

  it('keeps the membership of a batch that waits past the session timeout (heartbeats go on)', async () => {
    const group = `group-${run}-long`;
    const longTopic = `${topic}-long`;
    await ensureTopics(connection, [{ name: longTopic, partitions: 1 }]);
    const member = new KafkaBatchConsumer(connection, {
      groupId: group,
      groupProtocol: 'classic',
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 1_000,
    });
    const seen: string[] = [];
    let committedAfterWait: boolean | undefined;
    await member.run([longTopic], async (batch, controls) => {
      if (committedAfterWait === undefined) {
        // A downstream call that takes three session timeouts, the event loop free meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 18_000));
        committedAfterWait = await controls.commit(batch.messages[batch.messages.length - 1]);
      }
      for (const message of batch.messages) seen.push(message.value?.toString() ?? '');
    });
    try {
      await producer.publish([{ topic: longTopic, key: 'k', value: 'slow', headers: {} }]);
      await waitFor(() => committedAfterWait !== undefined, 'the slow batch to finish', 60_000, 200);
      expect(committedAfterWait).toBe(true);
      // Committed once, never redelivered: the member was never evicted.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(seen).toEqual(['slow']);
      expect(member.isConnected()).toBe(true);
    } finally {
      await member.disconnect();
    }
  });
});
