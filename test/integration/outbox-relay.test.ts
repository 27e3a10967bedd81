import { randomUUID } from 'node:crypto';

import type { DataSource } from 'typeorm';

import { KafkaBatchConsumer, KafkaPublisher, ensureTopics, type InboundMessage } from '@switchboard/kafka';
import { OutboxRelay, OutboxTables1763860000000, OutboxWriter } from '@switchboard/outbox';
import { eventually } from '@switchboard/testing';

import { dropScratchSchema, scratchSchema } from '../support/db';
import { databaseUrl, kafkaBrokers, uniqueName } from '../support/stack';

jest.setTimeout(90_000);

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The relay against a real PostgreSQL and Kafka, on a scratch schema and topic of its own. */
describe('OutboxRelay', () => {
  const schema = `relay_it_${randomUUID().slice(0, 8)}`;
  const topic = uniqueName('relay-it');
  const kafka = { brokers: kafkaBrokers(), clientId: 'relay-it' };
  let dataSource: DataSource;
  let writer: OutboxWriter;
  const relays: OutboxRelay[] = [];
  const received: InboundMessage[] = [];
  let consumer: KafkaBatchConsumer;

  const newRelay = (retentionHours = 72) => {
    const relay = new OutboxRelay({
      schema,
      databaseUrl: databaseUrl(),
      publisher: new KafkaPublisher(kafka),
      logger: silent,
      batchSize: 500,
      pollIntervalMs: 5_000, // long: the test must be woken by NOTIFY, not by the poll
      standbyRetryMs: 300,
      retentionHours,
      sweepIntervalMs: 200,
    });
    relays.push(relay);
    return relay;
  };

  const enqueue = (rows: Array<{ key: string; n: number }>) =>
    dataSource.transaction((manager) =>
      writer.enqueue(
        manager,
        rows.map(({ key, n }) => ({
          id: randomUUID(),
          topic,
          key,
          type: 'test',
          payload: JSON.stringify({ key, n }),
          headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
        })),
      ),
    );

  beforeAll(async () => {
    dataSource = await scratchSchema(schema, [OutboxTables1763860000000]);
    writer = new OutboxWriter(schema);
    await ensureTopics(kafka, [{ name: topic, partitions: 3 }]);
    consumer = new KafkaBatchConsumer(kafka, { groupId: uniqueName('relay-it') });
    await consumer.connect();
    await consumer.run([topic], async (batch, controls) => {
      received.push(...batch.messages);
      await controls.commit(batch.messages[batch.messages.length - 1]);
    });
  });

  afterAll(async () => {
    await Promise.all(relays.map((relay) => relay.stop()));
    await consumer?.disconnect();
    await dropScratchSchema(dataSource, schema);
  });

  it('has one active relay whatever the replica count, and publishes in order per key', async () => {
    const first = newRelay();
    const second = newRelay();
    first.start();
    second.start();
    await eventually(() => expect([first.status, second.status].sort()).toEqual(['active', 'standby']));

    const rows = Array.from({ length: 1_200 }, (_, n) => ({ key: `k${n % 7}`, n }));
    const startedAt = Date.now();
    await enqueue(rows.slice(0, 600));
    await enqueue(rows.slice(600));
    await eventually(() => expect(received).toHaveLength(1_200));
    // Woken by NOTIFY: far sooner than the 5 s poll.
    expect(Date.now() - startedAt).toBeLessThan(4_000);

    const byKey = new Map<string, number[]>();
    for (const message of received) {
      const { key, n } = JSON.parse(message.value!.toString()) as { key: string; n: number };
      expect(message.key).toBe(key);
      expect(message.headers.traceparent).toMatch(/^00-4bf92f/);
      byKey.set(key, [...(byKey.get(key) ?? []), n]);
    }
    for (const sequence of byKey.values()) expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
    const [{ pending }] = await dataSource.query(
      `SELECT count(*)::int AS pending FROM ${schema}.outbox_message WHERE published_at IS NULL`,
    );
    expect(pending).toBe(0);
  });

  it('fails over to the standby when the active relay stops', async () => {
    const [first, second] = relays as [OutboxRelay, OutboxRelay];
    const active = first.status === 'active' ? first : second;
    const standby = active === first ? second : first;
    await active.stop();
    await eventually(() => expect(standby.status).toBe('active'));
    received.length = 0;
    await enqueue([{ key: 'after-failover', n: 1 }]);
    await eventually(() => expect(received).toHaveLength(1));
  });

  it('deletes published rows once their retention has passed', async () => {
    await Promise.all(relays.map((relay) => relay.stop()));
    await dataSource.query(`UPDATE ${schema}.outbox_message SET published_at = now() - interval '2 hours'`);
    const relay = newRelay(1);
    relay.start();
    await eventually(async () => {
      const [{ total }] = await dataSource.query(
        `SELECT count(*)::int AS total FROM ${schema}.outbox_message`,
      );
      expect(total).toBe(0);
    });
  });

  it('stops within stopTimeoutMs while Kafka does not answer, leaving the rows for the next relay', async () => {
    const stuck = new OutboxRelay({
      schema,
      databaseUrl: databaseUrl(),
      // A broker that is down: the producer retries a send for as long as it is allowed to.
      publisher: {
        connect: () => Promise.resolve(),
        publish: () => new Promise<void>(() => undefined),
        disconnect: () => Promise.resolve(),
      },
      logger: silent,
      batchSize: 500,
      pollIntervalMs: 100,
      standbyRetryMs: 100,
      stopTimeoutMs: 1_000,
    });
    for (const relay of relays.splice(0)) await relay.stop();
    await enqueue([{ key: 'stuck', n: 1 }]);
    stuck.start();
    await eventually(() => expect(stuck.status).toBe('active'), { timeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 300)); // the publish is in flight and hangs
    const started = Date.now();
    await stuck.stop();
    expect(Date.now() - started).toBeLessThan(2_500);
    const unpublished = async () => {
      const [{ n }] = await dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM ${schema}.outbox_message WHERE published_at IS NULL`,
      );
      return n;
    };
    expect(await unpublished()).toBeGreaterThanOrEqual(1);
    // The next active relay publishes what the stopped one could not.
    const next = newRelay();
    next.start();
    await eventually(async () => expect(await unpublished()).toBe(0), { timeoutMs: 30_000 });
  });
});
