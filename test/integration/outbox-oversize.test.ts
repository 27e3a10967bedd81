import { randomUUID } from 'node:crypto';

import { Admin } from '@platformatic/kafka';
import type { DataSource } from 'typeorm';

import { KafkaPublisher, readTopic } from '@switchboard/kafka';
import { OutboxRelay, OutboxWriter } from '@switchboard/outbox';
import { eventually } from '@switchboard/testing';

import { OUTBOX_MIGRATIONS, dropScratchSchema, scratchSchema } from '../support/db';
import { databaseUrl, kafkaBrokers, uniqueName } from '../support/stack';

jest.setTimeout(90_000);

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * A batch over its topic's max.message.bytes used to stop the relay for good (the broker refuses
 * it, not retriable, and the same rows were read again forever, every topic of the outbox with
 * them). Now requests are split under the topic's limit and a single message too large for it is
 * set aside; the rest flows on.
 */
describe('outbox relay and a topic with a small max.message.bytes', () => {
  const schema = `relay_oversize_${randomUUID().slice(0, 8)}`;
  const topic = `test.${uniqueName('relay-oversize')}`;
  const kafka = { brokers: kafkaBrokers(), clientId: 'relay-oversize' };
  let dataSource: DataSource;
  let relay: OutboxRelay | undefined;
  const setAside: string[] = [];

  beforeAll(async () => {
    dataSource = await scratchSchema(schema, OUTBOX_MIGRATIONS);
    const kafkaAdmin = new Admin({ clientId: 'relay-oversize', bootstrapBrokers: kafkaBrokers() });
    await kafkaAdmin.createTopics({
      topics: [topic],
      partitions: 2,
      replicas: 1,
      configs: [{ name: 'max.message.bytes', value: '20000' }],
    });
    await kafkaAdmin.close();
  });

  afterAll(async () => {
    await relay?.stop();
    const kafkaAdmin = new Admin({ clientId: 'relay-oversize', bootstrapBrokers: kafkaBrokers() });
    await kafkaAdmin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await kafkaAdmin.close();
    await dropScratchSchema(dataSource, schema);
  });

  it('publishes every message that fits, in order per key, and sets aside the one that does not', async () => {
    const writer = new OutboxWriter(schema);
    const row = (key: string, n: number, bytes: number) => ({
      id: randomUUID(),
      topic,
      key,
      type: 'test',
      payload: JSON.stringify({ n, pad: 'x'.repeat(bytes) }),
      headers: {},
    });
    // 120 rows of ~1 KB on two keys (about 120 KB: six times what the topic takes in one batch),
    // one row of 30 KB in the middle, and more behind it.
    const rows = [
      ...Array.from({ length: 60 }, (_, n) => row(n % 2 ? 'a' : 'b', n, 1_000)),
      row('a', 60, 30_000),
      ...Array.from({ length: 60 }, (_, n) => row(n % 2 ? 'a' : 'b', 61 + n, 1_000)),
    ];
    await dataSource.transaction((manager) => writer.enqueue(manager, rows));

    relay = new OutboxRelay({
      schema,
      databaseUrl: databaseUrl(),
      publisher: new KafkaPublisher(kafka),
      logger: silent,
      pollIntervalMs: 200,
      standbyRetryMs: 200,
      onSetAside: (aside) => setAside.push(aside),
    });
    relay.start();

    await eventually(
      async () => {
        const [{ n }] = await dataSource.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS n FROM ${schema}.outbox_message WHERE published_at IS NULL`,
        );
        expect(n).toBe(0);
      },
      { timeoutMs: 30_000 },
    );
    const aside = await dataSource.query<Array<{ id: string; reason: string }>>(
      `SELECT id, reason FROM ${schema}.outbox_set_aside`,
    );
    expect(aside).toEqual([{ id: rows[60].id, reason: expect.stringMatching(/too large/) }]);
    expect(setAside).toEqual([topic]);

    const published = await readTopic(kafka, topic);
    const seen = (key: string) => [
      ...new Set(
        published
          .filter((message) => message.key === key)
          .map((message) => (JSON.parse(message.value!.toString()) as { n: number }).n),
      ),
    ];
    const expected = (key: string) =>
      rows
        .map((r, n) => ({ key: r.key, n }))
        .filter((r) => r.key === key && r.n !== 60)
        .map((r) => r.n);
    expect(seen('a')).toEqual(expected('a'));
    expect(seen('b')).toEqual(expected('b'));
  });
});
