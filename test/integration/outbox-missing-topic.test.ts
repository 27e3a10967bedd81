import { randomUUID } from 'node:crypto';

import { Admin } from '@platformatic/kafka';
import type { DataSource } from 'typeorm';

import { KafkaPublisher, ensureTopics, readTopic } from '@switchboard/kafka';
import { OutboxRelay, OutboxWriter } from '@switchboard/outbox';
import { eventually } from '@switchboard/testing';

import { OUTBOX_MIGRATIONS, dropScratchSchema, scratchSchema } from '../support/db';
import { databaseUrl, kafkaBrokers, uniqueName } from '../support/stack';

jest.setTimeout(120_000);

/**
 * A topic Kafka does not know used to block the whole outbox (the same batch retried without end)
 * while health stayed green. Now its messages wait in order, every other topic flows on, and the
 * relay says so (log, metric hook, health) within 30 s, until the topic exists.
 */
describe('outbox relay with messages for a topic Kafka does not know', () => {
  const schema = `relay_missing_${randomUUID().slice(0, 8)}`;
  const present = `test.${uniqueName('relay-present')}`;
  const missing = `test.${uniqueName('relay-missing')}`;
  const kafka = { brokers: kafkaBrokers(), clientId: 'relay-missing' };
  let dataSource: DataSource;
  let relay: OutboxRelay | undefined;
  const errors: string[] = [];
  const missingEvents: Array<[string, boolean]> = [];

  const pendingOf = async (topic: string) =>
    (
      await dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM ${schema}.outbox_message WHERE published_at IS NULL AND topic = $1`,
        [topic],
      )
    )[0].n;
  const enqueue = (topics: string[]) =>
    dataSource.transaction((manager) =>
      new OutboxWriter(schema).enqueue(
        manager,
        topics.map((topic, n) => ({
          id: randomUUID(),
          topic,
          key: 'k',
          type: 'test',
          payload: JSON.stringify({ n }),
          headers: {},
        })),
      ),
    );

  beforeAll(async () => {
    dataSource = await scratchSchema(schema, OUTBOX_MIGRATIONS);
    await ensureTopics(kafka, [{ name: present, partitions: 1 }]);
  });

  afterAll(async () => {
    await relay?.stop();
    const admin = new Admin({ clientId: 'relay-missing', bootstrapBrokers: kafkaBrokers() });
    await admin.deleteTopics({ topics: [present, missing] }).catch(() => undefined);
    await admin.close();
    await dropScratchSchema(dataSource, schema);
  });

  it('keeps the other topics flowing, reports the missing one within 30 s, and publishes it once it exists', async () => {
    // The missing topic's message comes first: it used to hold everything behind it.
    await enqueue([missing, present, present]);
    relay = new OutboxRelay({
      schema,
      databaseUrl: databaseUrl(),
      publisher: new KafkaPublisher(kafka),
      logger: {
        info: () => undefined,
        warn: () => undefined,
        error: (message, fields) => errors.push(`${message} ${String(fields?.topic)}`),
      },
      pollIntervalMs: 200,
      standbyRetryMs: 200,
      missingTopicRetryMs: 1_000,
      onTopicMissing: (topic, isMissing) => missingEvents.push([topic, isMissing]),
    });
    const startedAt = Date.now();
    relay.start();

    await eventually(async () => expect(await pendingOf(present)).toBe(0), { timeoutMs: 30_000 });
    expect(Date.now() - startedAt).toBeLessThan(30_000);
    expect(missingEvents).toEqual([[missing, true]]);
    expect(errors).toEqual([expect.stringContaining(missing)]);
    expect(relay.isHealthy()).toBe(false);
    expect(await pendingOf(missing)).toBe(1);

    // Rows written meanwhile still flow.
    await enqueue([present]);
    await eventually(async () => expect(await pendingOf(present)).toBe(0), { timeoutMs: 30_000 });

    await ensureTopics(kafka, [{ name: missing, partitions: 1 }]);
    await eventually(async () => expect(await pendingOf(missing)).toBe(0), { timeoutMs: 60_000 });
    expect(missingEvents).toEqual([
      [missing, true],
      [missing, false],
    ]);
    expect(relay.isHealthy()).toBe(true);
    expect((await readTopic(kafka, present)).length).toBeGreaterThanOrEqual(3);
    expect(await readTopic(kafka, missing)).toHaveLength(1);
  });
});
