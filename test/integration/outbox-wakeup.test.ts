import { randomUUID } from 'node:crypto';

import { Client } from 'pg';
import type { DataSource } from 'typeorm';

import { KafkaPublisher, ensureTopics } from '@switchboard/kafka';
import { OutboxRelay, OutboxWriter, outboxChannel } from '@switchboard/outbox';
import { eventually } from '@switchboard/testing';

import { OUTBOX_MIGRATIONS, dropScratchSchema, scratchSchema } from '../support/db';
import { databaseUrl, kafkaBrokers, uniqueName } from '../support/stack';

jest.setTimeout(90_000);

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The business transaction sends no NOTIFY (that serialised every notifying commit behind one lock
 * until its flush); the writer wakes the relay after the commit: in memory when the active relay is
 * in this process, else by a NOTIFY of its own, outside the transaction.
 */
describe('outbox wake-up after commit, without a NOTIFY in the transaction', () => {
  const schema = `relay_wake_${randomUUID().slice(0, 8)}`;
  const topic = uniqueName('relay-wake');
  const kafka = { brokers: kafkaBrokers(), clientId: 'relay-wake' };
  let dataSource: DataSource;
  let writer: OutboxWriter;
  let relay: OutboxRelay | undefined;

  const enqueue = () =>
    dataSource.transaction((manager) =>
      writer.enqueue(manager, [
        { id: randomUUID(), topic, key: 'k', type: 'test', payload: '{}', headers: {} },
      ]),
    );
  const pending = async () => {
    const rows = await dataSource.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM ${schema}.outbox_message WHERE published_at IS NULL`,
    );
    return rows[0].n;
  };

  /** A connection listening on the outbox's channel, as a relay in another process would. */
  const listen = async () => {
    const listener = new Client({ connectionString: databaseUrl() });
    await listener.connect();
    const notifications: string[] = [];
    listener.on('notification', (message) => notifications.push(message.channel));
    await listener.query(`LISTEN ${outboxChannel(schema)}`);
    return { listener, notifications };
  };

  beforeAll(async () => {
    dataSource = await scratchSchema(schema, OUTBOX_MIGRATIONS);
    writer = new OutboxWriter(schema);
    await ensureTopics(kafka, [{ name: topic, partitions: 1 }]);
  });

  afterAll(async () => {
    await relay?.stop();
    await dropScratchSchema(dataSource, schema);
  });

  it('leaves no trigger on the outbox table', async () => {
    const triggers: unknown[] = await dataSource.query(
      `SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal`,
      [`${schema}.outbox_message`],
    );
    expect(triggers).toEqual([]);
  });

  it('with no active relay in this process, notifies after the commit, never inside it', async () => {
    const { listener, notifications } = await listen();
    try {
      // A transaction that notified would hold the lock: it is still open while this one waits.
      let sawNotificationBeforeCommit = false;
      await dataSource.transaction(async (manager) => {
        await writer.enqueue(manager, [
          { id: randomUUID(), topic, key: 'k', type: 'test', payload: '{}', headers: {} },
        ]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        sawNotificationBeforeCommit = notifications.length > 0;
      });
      expect(sawNotificationBeforeCommit).toBe(false);
      await eventually(() => expect(notifications).toEqual([outboxChannel(schema)]));
    } finally {
      await listener.end();
    }
  });

  it('wakes the active relay in this process in memory, far sooner than its poll', async () => {
    relay = new OutboxRelay({
      schema,
      databaseUrl: databaseUrl(),
      publisher: new KafkaPublisher(kafka),
      logger: silent,
      pollIntervalMs: 30_000,
      standbyRetryMs: 200,
    });
    relay.start();
    await eventually(() => expect(relay!.status).toBe('active'));
    await eventually(async () => expect(await pending()).toBe(0));
    const { listener, notifications } = await listen();
    try {
      for (let round = 0; round < 3; round += 1) {
        const committedAt = Date.now();
        await enqueue();
        await eventually(async () => expect(await pending()).toBe(0), { timeoutMs: 5_000 });
        expect(Date.now() - committedAt).toBeLessThan(3_000);
      }
      // Woken in memory: not one NOTIFY was sent.
      expect(notifications).toEqual([]);
    } finally {
      await listener.end();
    }
  });

  it('once caught up, a wake-up costs one read and one mark, not a third read that finds nothing', async () => {
    expect(relay).toBeDefined();
    await enqueue();
    await eventually(async () => expect(await pending()).toBe(0), { timeoutMs: 5_000 });
    // The relay's connection is the one holding its leader lock; pg_stat_activity keeps the last
    // statement of an idle connection.
    const lastStatement = async () => {
      const rows = await dataSource.query<Array<{ state: string; query: string }>>(
        `SELECT a.state, a.query FROM pg_stat_activity a
         JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'advisory' AND l.granted
         WHERE a.datname = current_database() AND a.query LIKE $1`,
        [`%${schema}%outbox_message%`],
      );
      return rows;
    };
    await eventually(async () => expect((await lastStatement()).map((row) => row.state)).toEqual(['idle']));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [{ query }] = await lastStatement();
    expect(query.trim()).toMatch(/^(UPDATE|DELETE)/);
  });

  it('a rolled-back write wakes nobody', async () => {
    const { listener, notifications } = await listen();
    await relay?.stop();
    relay = undefined;
    try {
      await expect(
        dataSource.transaction(async (manager) => {
          await writer.enqueue(manager, [
            { id: randomUUID(), topic, key: 'k', type: 'test', payload: '{}', headers: {} },
          ]);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(notifications).toEqual([]);
    } finally {
      await listener.end();
    }
  });
});
