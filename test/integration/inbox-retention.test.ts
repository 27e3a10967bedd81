import { randomUUID } from 'node:crypto';

import type { DataSource } from 'typeorm';

import { buildCloudEvent, type CloudEvent } from '@switchboard/contracts';
import { INBOX_MIGRATIONS, InboxTransport } from '@switchboard/inbox';
import type { InboxContext } from '@switchboard/inbox';
import { KafkaBatchConsumer, KafkaPublisher, ensureTopics } from '@switchboard/kafka';
import { OutboxWriter } from '@switchboard/outbox';
import { eventually, sampleDeal } from '@switchboard/testing';

import { OUTBOX_MIGRATIONS, dropScratchSchema, scratchSchema } from '../support/db';
import { dropTopicsAndGroups, listening } from '../support/kafka';
import { kafkaBrokers, uniqueName } from '../support/stack';

jest.setTimeout(90_000);

/**
 * Inbox rows go once they are past INBOX_RETENTION_HOURS, and an event redelivered inside the
 * window is still a duplicate. Real Kafka and PostgreSQL; the transport with a per-event handler.
 */
describe('inbox retention', () => {
  const schema = `inbox_retention_${randomUUID().slice(0, 8)}`;
  const topic = `test.${uniqueName('inbox-retention')}`;
  const group = `group-${topic}`;
  const kafka = { brokers: kafkaBrokers(), clientId: 'inbox-retention' };
  const producer = new KafkaPublisher(kafka);
  let dataSource: DataSource;
  let transport: InboxTransport;

  const publish = (event: CloudEvent) =>
    producer.publish([{ topic, key: event.subject ?? event.id, value: JSON.stringify(event), headers: {} }]);
  const count = async (sql: string, params: unknown[] = []) =>
    (await dataSource.query<Array<{ n: number }>>(sql, params))[0].n;
  const effectsOf = (eventId: string) =>
    count(`SELECT count(*)::int AS n FROM ${schema}.effect WHERE event_id = $1`, [eventId]);
  const deal = (dealId: string) =>
    buildCloudEvent({ id: randomUUID(), source: 'crm', type: 'deal_won', data: sampleDeal({ dealId }) });

  beforeAll(async () => {
    dataSource = await scratchSchema(schema, [...OUTBOX_MIGRATIONS, ...INBOX_MIGRATIONS]);
    await dataSource.query(`CREATE TABLE ${schema}.effect (event_id uuid NOT NULL)`);
    await ensureTopics(kafka, [{ name: topic, partitions: 1 }]);
    await producer.connect();

    transport = new InboxTransport({
      consumerGroup: group,
      deadLetterTopic: `${topic}.dlq`,
      source: 'switchboard/inbox-retention-test',
      schema,
      dataSource,
      outbox: new OutboxWriter(schema),
      consumer: new KafkaBatchConsumer(kafka, { groupId: group }),
      retention: { hours: 744, sweepIntervalMs: 200 },
    });
    transport.addHandler(
      topic,
      async (event: CloudEvent, ctx: InboxContext) => {
        await ctx.manager.query(`INSERT INTO ${schema}.effect (event_id) VALUES ($1)`, [event.id]);
      },
      true,
    );
    await listening(transport);
  });

  afterAll(async () => {
    await transport?.close();
    await producer.disconnect();
    await dropTopicsAndGroups([topic], [group]);
    await dropScratchSchema(dataSource, schema);
  });

  it('deletes rows past retention and still deduplicates an event redelivered inside it', async () => {
    const recent = deal('D-RET-1');
    await publish(recent);
    await eventually(async () => expect(await effectsOf(recent.id)).toBe(1));

    // Rows of an event handled 40 days ago (past the 31 days kept), and an attempt left as old.
    await dataSource.query(
      `INSERT INTO ${schema}.inbox_message (id, event_type, topic, kafka_partition, kafka_offset, processed_at)
       VALUES ('old-event', 'deal_won', $1, 0, 0, now() - interval '40 days'),
              ('kept-event', 'deal_won', $1, 0, 1, now() - interval '30 days')`,
      [topic],
    );
    await dataSource.query(
      `INSERT INTO ${schema}.inbox_attempt (id, topic, kafka_partition, kafka_offset, chunk_attempts, updated_at)
       VALUES ('old-event', $1, 0, 0, 1, now() - interval '40 days')`,
      [topic],
    );
    await eventually(async () => {
      expect(
        await count(`SELECT count(*)::int AS n FROM ${schema}.inbox_message WHERE id = 'old-event'`),
      ).toBe(0);
      expect(
        await count(`SELECT count(*)::int AS n FROM ${schema}.inbox_attempt WHERE id = 'old-event'`),
      ).toBe(0);
    });
    expect(
      await count(`SELECT count(*)::int AS n FROM ${schema}.inbox_message WHERE id = ANY($1::text[])`, [
        [recent.id, 'kept-event'],
      ]),
    ).toBe(2);

    // Redelivered inside the window (the same message published again), then a marker behind it on
    // the same partition: once the marker is applied, the redelivery has been handled, as a duplicate.
    await publish(recent);
    const marker = deal('D-RET-2');
    await publish(marker);
    await eventually(async () => expect(await effectsOf(marker.id)).toBe(1));
    expect(await effectsOf(recent.id)).toBe(1);
  });
});
