import { randomUUID } from 'node:crypto';

import type { DataSource } from 'typeorm';

import { DownstreamError } from '@switchboard/downstream';
import { buildCloudEvent, type CloudEvent } from '@switchboard/contracts';
import {
  INBOX_MIGRATIONS,
  InboxTransport,
  type InboxContext,
  type InboxTransportOptions,
} from '@switchboard/inbox';
import { KafkaBatchConsumer, KafkaPublisher, ensureTopics } from '@switchboard/kafka';
import { OutboxWriter } from '@switchboard/outbox';
import { eventually, sampleDeal } from '@switchboard/testing';

import { OUTBOX_MIGRATIONS, dropScratchSchema, scratchSchema } from '../support/db';
import { dropTopicsAndGroups, listening } from '../support/kafka';
import { kafkaBrokers, uniqueName } from '../support/stack';

jest.setTimeout(120_000);

const KEYS = 12;
const EVENTS_PER_KEY = 5;

/** A scratch schema with the inbox and outbox tables and `effect`: a row per applied event, in order. */
async function parkingSchema(schema: string): Promise<DataSource> {
  const dataSource = await scratchSchema(schema, [...OUTBOX_MIGRATIONS, ...INBOX_MIGRATIONS]);
  await dataSource.query(
    `CREATE TABLE ${schema}.effect (position bigserial, event_id uuid NOT NULL, customer text NOT NULL, seq int NOT NULL)`,
  );
  return dataSource;
}

/**
 * A member of `group` whose per-event handler writes the event's effect row, unless `refuses`
 * says the downstream answers 503 to it this time.
 */
async function startTransport(options: {
  schema: string;
  topic: string;
  group: string;
  dataSource: DataSource;
  retry: InboxTransportOptions['retry'];
  refuses: (event: CloudEvent<'deal_won'>) => boolean;
}): Promise<InboxTransport> {
  const { schema, topic, group, dataSource } = options;
  const transport = new InboxTransport({
    consumerGroup: group,
    deadLetterTopic: `${topic}.dlq`,
    source: 'switchboard/inbox-parking-test',
    schema,
    dataSource,
    outbox: new OutboxWriter(schema),
    consumer: new KafkaBatchConsumer(
      { brokers: kafkaBrokers(), clientId: 'inbox-parking' },
      { groupId: group },
    ),
    retry: options.retry,
  });
  transport.addHandler(
    topic,
    async (event: CloudEvent<'deal_won'>, ctx: InboxContext) => {
      if (options.refuses(event)) throw new DownstreamError('transient', 'erp', 'erp: 503', { status: 503 });
      await ctx.manager.query(`INSERT INTO ${schema}.effect (event_id, customer, seq) VALUES ($1, $2, $3)`, [
        event.id,
        event.data.account.crmAccountId,
        Number(event.data.dealId.split('-').pop()),
      ]);
    },
    true,
  );
  await listening(transport);
  return transport;
}

/**
 * Parked keys retried from inbox_parked by two replicas of one group at once (each owns one of the
 * topic's two partitions, both retry whatever is due): every event applies once, each key in its
 * order, and the table ends empty. Real Kafka and PostgreSQL; the transport with a per-event handler
 * whose downstream refuses the first event of every other key twice.
 */
describe('inbox parking with two replicas', () => {
  const schema = `inbox_parking_${randomUUID().slice(0, 8)}`;
  const topic = `test.${uniqueName('inbox-parking')}`;
  const group = `group-${topic}`;
  const kafka = { brokers: kafkaBrokers(), clientId: 'inbox-parking' };
  const producer = new KafkaPublisher(kafka);
  const transports: InboxTransport[] = [];
  /** Refusals left per event id (the downstream answers 503 until none is left). */
  const refusals = new Map<string, number>();
  let dataSource: DataSource;

  const start = async () => {
    const transport = await startTransport({
      schema,
      topic,
      group,
      dataSource,
      retry: { baseDelayMs: 100, maxDelayMs: 200, maxAttempts: 8 },
      refuses: (event) => {
        const left = refusals.get(event.id) ?? 0;
        if (left > 0) refusals.set(event.id, left - 1);
        return left > 0;
      },
    });
    transports.push(transport);
  };

  beforeAll(async () => {
    dataSource = await parkingSchema(schema);
    await ensureTopics(kafka, [{ name: topic, partitions: 2 }]);
    await producer.connect();
    await start();
    await start();
  });

  afterAll(async () => {
    await Promise.all(transports.map((transport) => transport.close()));
    await producer.disconnect();
    await dropTopicsAndGroups([topic], [group]);
    await dropScratchSchema(dataSource, schema);
  });

  it('applies every event once, each key in order, with its failing keys retried by either replica', async () => {
    const events: Array<CloudEvent<'deal_won'>> = [];
    for (let seq = 0; seq < EVENTS_PER_KEY; seq += 1)
      for (let key = 0; key < KEYS; key += 1) {
        const customer = `ACC-PARK-${key}`;
        events.push(
          buildCloudEvent({
            id: randomUUID(),
            source: 'crm',
            type: 'deal_won',
            data: sampleDeal({ dealId: `D-PARK-${key}-${seq}`, account: { crmAccountId: customer } }),
          }),
        );
      }
    for (const event of events.filter((_, at) => at < KEYS && at % 2 === 0)) refusals.set(event.id, 2);

    await producer.publish(
      events.map((event) => ({
        topic,
        key: event.data.account.crmAccountId,
        value: JSON.stringify(event),
        headers: {},
      })),
    );

    const effects = () =>
      dataSource.query<Array<{ event_id: string; customer: string; seq: number }>>(
        `SELECT event_id, customer, seq FROM ${schema}.effect ORDER BY position`,
      );
    await eventually(async () => expect((await effects()).length).toBeGreaterThanOrEqual(events.length), {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    const applied = await effects();
    expect(new Set(applied.map((row) => row.event_id)).size).toBe(events.length);
    expect(applied).toHaveLength(events.length);
    for (let key = 0; key < KEYS; key += 1) {
      const order = applied.filter((row) => row.customer === `ACC-PARK-${key}`).map((row) => row.seq);
      expect(order).toEqual([0, 1, 2, 3, 4]);
    }
    expect([...refusals.values()].every((left) => left === 0)).toBe(true);
    await eventually(async () =>
      expect(
        (
          await dataSource.query<Array<{ n: number }>>(
            `SELECT count(*)::int AS n FROM ${schema}.inbox_parked`,
          )
        )[0].n,
      ).toBe(0),
    );
  });
});

/**
 * A chunk that follows a finished one (a first handling) looks for parked keys in its claim, not in
 * a statement before it: an event of a parked key must still be parked behind it, unhandled, while
 * the rest of the chunk applies.
 */
describe('inbox parking on a first handling', () => {
  const schema = `inbox_parking_first_${randomUUID().slice(0, 8)}`;
  const topic = `test.${uniqueName('inbox-parking-first')}`;
  const group = `group-${topic}`;
  const kafka = { brokers: kafkaBrokers(), clientId: 'inbox-parking-first' };
  const producer = new KafkaPublisher(kafka);
  /** Events the downstream refuses (503) for as long as they are here. */
  const refused = new Set<string>();
  let transport: InboxTransport;
  let dataSource: DataSource;

  const deal = (customer: string, seq: number) =>
    buildCloudEvent({
      id: randomUUID(),
      source: 'crm',
      type: 'deal_won',
      data: sampleDeal({ dealId: `D-FIRST-${customer}-${seq}`, account: { crmAccountId: customer } }),
    });
  const publish = (event: CloudEvent<'deal_won'>) =>
    producer.publish([
      { topic, key: event.data.account.crmAccountId, value: JSON.stringify(event), headers: {} },
    ]);
  const applied = async (customer: string) =>
    (
      await dataSource.query<Array<{ seq: number }>>(
        `SELECT seq FROM ${schema}.effect WHERE customer = $1 ORDER BY position`,
        [customer],
      )
    ).map((row) => row.seq);
  const parked = async (customer: string) =>
    (
      await dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM ${schema}.inbox_parked WHERE message_key = $1`,
        [customer],
      )
    )[0].n;

  beforeAll(async () => {
    dataSource = await parkingSchema(schema);
    await ensureTopics(kafka, [{ name: topic, partitions: 1 }]);
    await producer.connect();
    transport = await startTransport({
      schema,
      topic,
      group,
      dataSource,
      // Retried every 300 ms, and never dead-lettered while the test holds the key.
      retry: { baseDelayMs: 300, maxDelayMs: 300, maxAttempts: 1_000 },
      refuses: (event) => refused.has(event.id),
    });
  });

  afterAll(async () => {
    await transport.close();
    await producer.disconnect();
    await dropTopicsAndGroups([topic], [group]);
    await dropScratchSchema(dataSource, schema);
  });

  it('parks a later event of a parked key behind it and applies the rest of its chunk', async () => {
    // A first batch: the member's batches after it are first handlings.
    await publish(deal('ACC-WARM', 0));
    await eventually(async () => expect(await applied('ACC-WARM')).toEqual([0]), { timeoutMs: 60_000 });

    const [first, later] = [deal('ACC-HELD', 0), deal('ACC-HELD', 1)];
    refused.add(first.id);
    await publish(first);
    await eventually(async () => expect(await parked('ACC-HELD')).toBe(1), { timeoutMs: 30_000 });

    const other = deal('ACC-FREE', 0);
    await producer.publish(
      [later, other].map((event) => ({
        topic,
        key: event.data.account.crmAccountId,
        value: JSON.stringify(event),
        headers: {},
      })),
    );
    await eventually(async () => expect(await applied('ACC-FREE')).toEqual([0]), { timeoutMs: 30_000 });
    await eventually(async () => expect(await parked('ACC-HELD')).toBe(2), { timeoutMs: 30_000 });
    expect(await applied('ACC-HELD')).toEqual([]);

    refused.delete(first.id);
    await eventually(async () => expect(await applied('ACC-HELD')).toEqual([0, 1]), { timeoutMs: 30_000 });
    await eventually(async () => expect(await parked('ACC-HELD')).toBe(0));
  });
});
