import { randomUUID } from 'node:crypto';

import { buildCloudEvent, nameBasedUuid, Topic, type CloudEvent } from '@switchboard/contracts';
import { KafkaPublisher, kafkaConnectionFromEnv } from '@switchboard/kafka';
import { eventually, sampleDeal, type LocalCluster } from '@switchboard/testing';

import { EFFECT_PATHS, ingestClient, readEffect, testCluster, testEnv } from '../support/cluster';
import { CONSUMER_SCHEMAS, EFFECT_TABLES, TestDatabase } from '../support/db';
import { uniqueName } from '../support/stack';

jest.setTimeout(120_000);

const CONSUMERS = Object.keys(EFFECT_TABLES) as Array<keyof typeof EFFECT_TABLES>;

describe('deal_won fan-out through real Kafka and PostgreSQL', () => {
  let cluster: LocalCluster;
  let db: TestDatabase;
  let publisher: KafkaPublisher;

  beforeAll(async () => {
    cluster = testCluster('deal-won-fanout');
    await cluster.provision();
    await cluster.start();
    db = new TestDatabase();
    publisher = new KafkaPublisher(kafkaConnectionFromEnv('e2e-test', testEnv()));
    await publisher.connect();
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await cluster?.stop();
    await db?.close();
  });

  const effectCounts = async (dealId: string) =>
    Object.fromEntries(
      await Promise.all(
        CONSUMERS.map(async (consumer) => [
          consumer,
          await db.count(`SELECT count(*) FROM ${EFFECT_TABLES[consumer]} WHERE deal_id = $1`, [dealId]),
        ]),
      ),
    ) as Record<(typeof CONSUMERS)[number], number>;

  /** True once every consumer has applied (or rejected) this event id: its inbox has the row. */
  const appliedEverywhere = async (eventId: string) => {
    for (const consumer of CONSUMERS) {
      const seen = await db.count(
        `SELECT count(*) FROM ${CONSUMER_SCHEMAS[consumer]}.inbox_message WHERE id = $1`,
        [eventId],
      );
      if (seen !== 1) throw new Error(`${consumer} has not handled ${eventId} yet`);
    }
  };

  const publishRaw = (key: string, value: string) =>
    publisher.publish([{ topic: Topic.deal_won, key, value, headers: {} }]);

  it('turns one deal_won into exactly one order, invoice, ticket and segment move', async () => {
    const dealId = uniqueName('D');
    const posted = await ingestClient(cluster).post('crm', {
      id: `evt-${dealId}`,
      type: 'deal_won',
      data: sampleDeal({ dealId }),
    });
    expect(posted.status).toBe(202);
    expect(posted.body).toMatchObject({ type: 'deal_won', topic: Topic.deal_won, duplicate: false });

    const [order, invoice, ticket, segment] = await eventually(async () => {
      const effects = await Promise.all(
        EFFECT_PATHS.map(([service, path]) => readEffect(cluster, service, path(dealId))),
      );
      if (effects.some((effect) => effect === null)) throw new Error('not all effects yet');
      return effects as Array<Record<string, unknown>>;
    });

    expect(order).toMatchObject({
      dealId,
      currency: 'EUR',
      netTotal: '4090.50',
      lines: [
        {
          lineNo: 1,
          itemCode: 'ITM-1001',
          quantity: '3',
          unitPrice: '1200.00',
          discountPercent: '10',
          lineTotal: '3240.00',
        },
        {
          lineNo: 2,
          itemCode: 'ITM-1002',
          quantity: '1',
          unitPrice: '850.50',
          discountPercent: '0',
          lineTotal: '850.50',
        },
      ],
    });
    expect(order.erpCustomerNumber).toMatch(/^C\d{8}$/);
    expect(invoice).toMatchObject({
      dealId,
      netTotal: '4090.50',
      taxRatePercent: '19',
      taxTotal: '777.20',
      grossTotal: '4867.70',
    });
    expect(ticket).toMatchObject({
      dealId,
      status: 'open',
      subject: 'Onboarding: Müller & Søn GmbH',
      assigneeCrmUserId: 'USR-42',
    });
    expect(segment).toMatchObject({ dealId, contactId: `CON-${dealId}`, segment: 'customer', validTo: null });
    expect(await effectCounts(dealId)).toEqual({
      'erp-orders': 1,
      'finance-invoicing': 1,
      'support-onboarding': 1,
      'marketing-segments': 1,
    });

    // Each consumer's result event went out through its own outbox to Kafka, carrying the trace.
    const eventId = (posted.body as { id: string }).id;
    const [ingested] = await db.rows<{ headers: Record<string, string> }>(
      'SELECT headers FROM ingest.outbox_message WHERE id = $1',
      [eventId],
    );
    const traceId = ingested.headers.traceparent.split('-')[1];
    await eventually(async () => {
      for (const [schema, type] of [
        ['erp_orders', 'sales_order_created'],
        ['finance_invoicing', 'invoice_created'],
        ['support_onboarding', 'onboarding_ticket_created'],
        ['marketing_segments', 'segment_changed'],
      ] as const) {
        const rows = await db.rows<{ published: boolean; traceparent: string }>(
          `SELECT published_at IS NOT NULL AS published, headers->>'traceparent' AS traceparent
           FROM ${schema}.outbox_message WHERE event_type = $1 AND payload LIKE $2`,
          [type, `%"dealId":"${dealId}"%`],
        );
        expect(rows).toHaveLength(1);
        expect(rows[0].published).toBe(true);
        expect(rows[0].traceparent.split('-')[1]).toBe(traceId);
      }
    });
  });

  it('refuses bad input with a clear error and lets nothing reach Kafka', async () => {
    const client = ingestClient(cluster);
    const dealId = uniqueName('BAD');
    const good = sampleDeal({ dealId });
    const cases = [
      {
        name: 'invalid body',
        source: 'crm',
        id: `bad-body-${dealId}`,
        send: (id: string) =>
          client.post('crm', {
            id,
            type: 'deal_won',
            data: {
              ...good,
              currency: 'EUR',
              lines: [{ ...good.lines[0], unitPrice: '12.345' }],
              foo: 1,
              closeDate: 'yesterday',
            },
          }),
        status: 400,
        code: 'validation_failed',
        fields: ['data.lines[0].unitPrice', 'data.foo', 'data.closeDate'],
      },
      {
        name: 'malformed JSON',
        source: 'crm',
        id: `bad-json-${dealId}`,
        send: (id: string) =>
          client.post('crm', { id, type: 'deal_won', data: good }, { rawBody: `{"id":"${id}",` }),
        status: 400,
        code: 'malformed_json',
      },
      {
        name: 'bad signature',
        source: 'crm',
        id: `bad-sig-${dealId}`,
        send: (id: string) =>
          client.post('crm', { id, type: 'deal_won', data: good }, { secret: 'not-the-secret-of-crm' }),
        status: 401,
        code: 'unauthenticated',
      },
      {
        name: 'stale timestamp',
        source: 'crm',
        id: `stale-${dealId}`,
        send: (id: string) =>
          client.post(
            'crm',
            { id, type: 'deal_won', data: good },
            { timestamp: Math.floor(Date.now() / 1000) - 3600 },
          ),
        status: 401,
        code: 'stale_timestamp',
      },
      {
        name: 'source publishing a type it does not own',
        source: 'finance',
        id: `forbidden-${dealId}`,
        send: (id: string) => client.post('finance', { id, type: 'deal_won', data: good }),
        status: 403,
        code: 'forbidden',
      },
    ];
    for (const testCase of cases) {
      const response = await testCase.send(testCase.id);
      expect({ case: testCase.name, status: response.status }).toEqual({
        case: testCase.name,
        status: testCase.status,
      });
      const error = (
        response.body as { error: { code: string; message: string; fields: Array<{ field: string }> } }
      ).error;
      expect(error.code).toBe(testCase.code);
      expect(error.message.length).toBeGreaterThan(10);
      if (testCase.fields) {
        expect(error.fields.map((field) => field.field)).toEqual(expect.arrayContaining(testCase.fields));
      }
      // The outbox is the only way into Kafka: no row, no message.
      const id = nameBasedUuid('switchboard.ingest', `${testCase.source}/${testCase.id}`);
      expect(await db.count('SELECT count(*) FROM ingest.outbox_message WHERE id = $1', [id])).toBe(0);
      expect(await db.count('SELECT count(*) FROM ingest.received_event WHERE id = $1', [id])).toBe(0);
    }
    expect(await effectCounts(dealId)).toEqual({
      'erp-orders': 0,
      'finance-invoicing': 0,
      'support-onboarding': 0,
      'marketing-segments': 0,
    });
  });

  it('publishes a source event sent twice once, under one id', async () => {
    const dealId = uniqueName('DUP');
    const event = { id: `evt-${dealId}`, type: 'deal_won', data: sampleDeal({ dealId }) };
    const first = await ingestClient(cluster).post('crm', event);
    const second = await ingestClient(cluster).post('crm', event);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    const id = (first.body as { id: string }).id;
    expect(second.body).toMatchObject({ id, duplicate: true });
    expect(await db.count('SELECT count(*) FROM ingest.outbox_message WHERE id = $1', [id])).toBe(1);
    await eventually(() => appliedEverywhere(id));
    expect(await effectCounts(dealId)).toEqual({
      'erp-orders': 1,
      'finance-invoicing': 1,
      'support-onboarding': 1,
      'marketing-segments': 1,
    });
  });

  it('applies the same Kafka message delivered twice only once', async () => {
    const dealId = uniqueName('REDELIVER');
    const event = buildCloudEvent({
      id: randomUUID(),
      source: 'crm',
      type: 'deal_won',
      data: sampleDeal({ dealId }),
    });
    const value = JSON.stringify(event);
    await publishRaw(dealId, value);
    await publishRaw(dealId, value);
    // A later event on the same key (same partition) proves both copies were consumed before it.
    const sentinel = buildCloudEvent({
      id: randomUUID(),
      source: 'crm',
      type: 'deal_won',
      data: sampleDeal({ dealId }),
    });
    await publishRaw(dealId, JSON.stringify(sentinel));
    await eventually(() => appliedEverywhere(sentinel.id));
    expect(await effectCounts(dealId)).toEqual({
      'erp-orders': 1,
      'finance-invoicing': 1,
      'support-onboarding': 1,
      'marketing-segments': 1,
    });
    for (const consumer of CONSUMERS) {
      const [row] = await db.rows<{ event_id: string }>(
        `SELECT event_id FROM ${EFFECT_TABLES[consumer]} WHERE deal_id = $1`,
        [dealId],
      );
      expect(row.event_id).toBe(event.id);
    }
  });

  it('dead-letters poison messages with the reason and keeps the partition flowing', async () => {
    const dealId = uniqueName('POISON');
    const key = dealId;
    const invalid = buildCloudEvent({
      id: randomUUID(),
      source: 'crm',
      type: 'deal_won',
      data: sampleDeal({ dealId }),
    });
    const invalidValue = JSON.stringify({
      ...invalid,
      data: { ...invalid.data, lines: [{ ...invalid.data.lines[0], unitPrice: '1.234' }] },
    });
    const unmapped: CloudEvent<'deal_won'> = buildCloudEvent({
      id: randomUUID(),
      source: 'crm',
      type: 'deal_won',
      data: sampleDeal({
        dealId: `${dealId}-U`,
        lines: [{ lineNo: 1, crmProductId: 'SKU-999', quantity: '1', unitPrice: '10.00' }],
      }),
    });
    const good = buildCloudEvent({
      id: randomUUID(),
      source: 'crm',
      type: 'deal_won',
      data: sampleDeal({ dealId }),
    });
    await publishRaw(key, 'this is not json');
    await publishRaw(key, invalidValue);
    await publishRaw(key, JSON.stringify(unmapped));
    await publishRaw(key, JSON.stringify(good));

    // The good event behind the poison on the same partition is applied by every consumer.
    await eventually(() => appliedEverywhere(good.id));
    expect(await effectCounts(dealId)).toEqual({
      'erp-orders': 1,
      'finance-invoicing': 1,
      'support-onboarding': 1,
      'marketing-segments': 1,
    });

    // Every consumer dead-lettered the broken messages with their reason, and published them;
    // only erp-orders rejects the unmapped product (the others applied that deal).
    for (const consumer of CONSUMERS) {
      const expected =
        consumer === 'erp-orders'
          ? ['malformed_json', 'contract_violation', 'unmapped_product']
          : ['malformed_json', 'contract_violation'];
      const letters = await eventually(async () => {
        const rows = await db.rows<{ payload: string; published: boolean }>(
          `SELECT payload, published_at IS NOT NULL AS published FROM ${CONSUMER_SCHEMAS[consumer]}.outbox_message
           WHERE topic = $1 AND message_key = $2 ORDER BY position`,
          [`switchboard.dlq.${consumer}`, key],
        );
        expect(rows).toHaveLength(expected.length);
        expect(rows.every((row) => row.published)).toBe(true);
        return rows.map(
          (row) =>
            JSON.parse(row.payload) as Record<string, unknown> & {
              errorCode: string;
              fields: Array<{ field: string }>;
            },
        );
      });
      expect(letters.map((letter) => letter.errorCode)).toEqual(expected);
      expect(letters[0]).toMatchObject({
        originalTopic: Topic.deal_won,
        key,
        errorClass: 'validation',
        value: 'this is not json',
      });
      expect(letters[1].fields.map((field) => field.field)).toContain('data.lines[0].unitPrice');
      if (consumer === 'erp-orders') {
        expect(letters[2]).toMatchObject({
          errorClass: 'rejected',
          eventId: unmapped.id,
          fields: [{ field: 'data.lines[0].crmProductId' }],
        });
        expect(String(letters[2].reason)).toContain('SKU-999');
      }
    }
    expect(await effectCounts(`${dealId}-U`)).toEqual({
      'erp-orders': 0,
      'finance-invoicing': 1,
      'support-onboarding': 1,
      'marketing-segments': 1,
    });
  });

  it('applies the events of one deal key in publication order', async () => {
    const dealId = uniqueName('ORDER');
    const client = ingestClient(cluster);
    const ids: string[] = [];
    for (let n = 0; n < 60; n += 1) {
      const response = await client.post('crm', {
        id: `evt-${dealId}-${n}`,
        type: 'deal_won',
        data: sampleDeal({ dealId }),
      });
      expect(response.status).toBe(202);
      ids.push((response.body as { id: string }).id);
    }
    await eventually(() => appliedEverywhere(ids[ids.length - 1]));
    for (const consumer of CONSUMERS) {
      const rows = await db.rows<{ id: string }>(
        `SELECT id FROM ${CONSUMER_SCHEMAS[consumer]}.inbox_message WHERE id = ANY($1) ORDER BY position`,
        [ids],
      );
      expect(rows.map((row) => row.id)).toEqual(ids);
    }
    // The first event made the effect; the later ones of the same deal changed nothing.
    const [order] = await db.rows<{ event_id: string }>(
      'SELECT event_id FROM erp_orders.sales_order WHERE deal_id = $1',
      [dealId],
    );
    expect(order.event_id).toBe(ids[0]);
  });

  it("moves the deal's contact on its account's payments and escalations, each once", async () => {
    const dealId = uniqueName('D');
    const contactId = `CON-${dealId}`;
    const accountId = `ACC-${dealId}`;
    const client = ingestClient(cluster);
    const post = async (source: 'crm' | 'finance' | 'support', body: Parameters<typeof client.post>[1]) =>
      expect((await client.post(source, body)).status).toBe(202);
    const history = async () =>
      ((await readEffect(cluster, 'marketing-segments', `/v1/segment-memberships/by-contact/${contactId}`)) ??
        []) as Array<{ segment: string; reason: string; validTo: string | null }>;
    const segmentsNow = async (expected: string[]) =>
      eventually(async () => {
        const segments = (await history()).map((membership) => membership.segment);
        if (segments.join() !== expected.join()) throw new Error(`segments ${segments.join()}`);
      });
    const paid = (invoiceNumber: string) => ({
      id: `evt-${invoiceNumber}`,
      type: 'invoice_paid' as const,
      data: {
        invoiceNumber,
        crmAccountId: accountId,
        amount: { currency: 'EUR', amount: '4867.70' },
        paidAt: new Date().toISOString(),
      },
    });
    const escalated = {
      id: `evt-T-${dealId}`,
      type: 'ticket_escalated' as const,
      data: {
        ticketId: `T-${dealId}`,
        crmAccountId: accountId,
        subject: 'Invoices not arriving',
        priority: 'high',
        escalatedAt: new Date().toISOString(),
      },
    };

    await post('crm', { id: `evt-${dealId}`, type: 'deal_won', data: sampleDeal({ dealId }) });
    await segmentsNow(['customer']);
    await post('finance', paid(`INV-${dealId}-1`));
    await segmentsNow(['customer', 'paying-customers']);
    await post('support', escalated);
    await segmentsNow(['customer', 'paying-customers', 'at-risk']);
    // A second invoice paid after the escalation: paying again. The escalation sent again by its
    // source, and an invoice of an account marketing has never seen, move nobody.
    await post('support', { ...escalated, id: `evt-T-${dealId}-again` });
    await post('finance', {
      ...paid(`INV-${dealId}-x`),
      data: { ...paid(`INV-${dealId}-x`).data, crmAccountId: `ACC-unknown-${dealId}` },
    });
    await post('finance', paid(`INV-${dealId}-2`));
    await segmentsNow(['customer', 'paying-customers', 'at-risk', 'paying-customers']);
    const final = await history();
    expect(final.map((membership) => membership.reason)).toEqual([
      `deal_won ${dealId}`,
      `invoice_paid INV-${dealId}-1`,
      `ticket_escalated T-${dealId}`,
      `invoice_paid INV-${dealId}-2`,
    ]);
    expect(final.filter((membership) => membership.validTo === null)).toHaveLength(1);
    // Every move went out as its own segment_changed.
    await eventually(async () => {
      const changes = await db.count(
        `SELECT count(*) FROM marketing_segments.outbox_message WHERE message_key = $1 AND published_at IS NOT NULL`,
        [contactId],
      );
      if (changes !== 4) throw new Error(`${changes} segment_changed published`);
    });
  });
});
