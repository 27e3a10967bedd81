// Generated bodies against the real ingest and the four deal_won consumers: whatever is posted,
// signed or not, valid or not, ingest never answers 5xx, and what it accepts is applied by every
// consumer or dead-lettered for a business reason, never refused by a store.
import { randomUUID } from 'node:crypto';

import fc from 'fast-check';

import { eventually, sampleDeal, type LocalCluster } from '@switchboard/testing';

import { ingestClient, testCluster } from '../support/cluster';
import { CONSUMER_SCHEMAS, TestDatabase } from '../support/db';
import { uniqueName } from '../support/stack';

jest.setTimeout(300_000);

const BODIES = 1_500;
const CONSUMERS = Object.keys(CONSUMER_SCHEMAS) as Array<keyof typeof CONSUMER_SCHEMAS>;

/** Text that stores, JSON or the contract may not take: NUL, lone surrogates, blanks, length. */
const awkwardText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    'Anna\u0000',
    'x\ud800y',
    '\udfff',
    'é'.repeat(600),
    '\u202Eevil',
    'a'.repeat(256),
  ),
);
const awkwardDecimal = fc.oneof(
  fc.stringMatching(/^-?\d{1,14}(\.\d{1,6})?$/),
  fc.constantFrom('0', '-1', '1e3', '12.345', '999999999.9999', '1000000000', 'NaN', ''),
  fc.double().map(String),
);
const anyJson = fc.jsonValue({ maxDepth: 3 });

type Editable = {
  account: { name: unknown };
  contact: { firstName: unknown; email: unknown };
  lines: Array<{ quantity: unknown; unitPrice: unknown; crmProductId: unknown }>;
  currency: unknown;
  taxRatePercent: unknown;
};

/** Mostly undefined (the sample's value stays), sometimes one of `values`. */
const sometimes = <T>(values: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: values });

/** A sample deal with a few fields replaced; each is replaced in one of eight bodies. */
const dealBody = fc
  .record({
    accountName: sometimes(awkwardText),
    firstName: sometimes(awkwardText),
    email: sometimes(fc.oneof(awkwardText, fc.emailAddress())),
    quantity: sometimes(awkwardDecimal),
    unitPrice: sometimes(awkwardDecimal),
    // SKU-001..SKU-020 are mapped in the ERP; others are refused there as a business rule.
    product: sometimes(fc.constantFrom('SKU-003', 'SKU-020', 'SKU-999', 'NOPE')),
    currency: sometimes(fc.constantFrom('EUR', 'JPY', 'KWD', 'XXX', 'eur')),
    taxRatePercent: sometimes(awkwardDecimal),
    extra: sometimes(fc.tuple(fc.constantFrom('constructor', '__proto__', 'extra'), anyJson)),
  })
  .map((edit) => {
    const deal = structuredClone(sampleDeal({ dealId: uniqueName('DP') })) as unknown as Editable;
    if (edit.accountName !== undefined) deal.account.name = edit.accountName;
    if (edit.firstName !== undefined) deal.contact.firstName = edit.firstName;
    if (edit.email !== undefined) deal.contact.email = edit.email;
    if (edit.quantity !== undefined) deal.lines[0].quantity = edit.quantity;
    if (edit.unitPrice !== undefined) deal.lines[0].unitPrice = edit.unitPrice;
    if (edit.product !== undefined) deal.lines[0].crmProductId = edit.product;
    if (edit.currency !== undefined) deal.currency = edit.currency;
    if (edit.taxRatePercent !== undefined) deal.taxRatePercent = edit.taxRatePercent;
    const data = JSON.stringify(deal);
    // Keys like __proto__ only survive as raw JSON text.
    const withExtra = edit.extra
      ? data.replace(
          '"contact":{',
          `"contact":{${JSON.stringify(edit.extra[0])}:${JSON.stringify(edit.extra[1])},`,
        )
      : data;
    return `{"id":${JSON.stringify(randomUUID())},"type":"deal_won","data":${withExtra}}`;
  });

type Post = { rawBody: string; signed: boolean };

const posts: fc.Arbitrary<Post> = fc.oneof(
  { weight: 6, arbitrary: dealBody.map((rawBody) => ({ rawBody, signed: true })) },
  { weight: 2, arbitrary: anyJson.map((value) => ({ rawBody: JSON.stringify(value), signed: true })) },
  {
    weight: 1,
    arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((rawBody) => ({ rawBody, signed: true })),
  },
  { weight: 1, arbitrary: dealBody.map((rawBody) => ({ rawBody, signed: false })) },
);

describe('ingest under generated bodies: never a 5xx, nothing accepted that a store refuses', () => {
  let cluster: LocalCluster;
  let db: TestDatabase;

  beforeAll(async () => {
    cluster = testCluster('ingest-property', { RATE_LIMIT_MAX_REQUESTS: '100000' });
    await cluster.provision();
    await cluster.start();
    db = new TestDatabase();
  });

  afterAll(async () => {
    await cluster?.stop();
    await db?.close();
  });

  it(`${BODIES} bodies: 2xx or 4xx only; every 202 applied by all four or dead-lettered for a business reason`, async () => {
    const client = ingestClient(cluster);
    const statuses = new Map<number, number>();
    const accepted: string[] = [];
    for (const post of fc.sample(posts, { numRuns: BODIES, seed: 20261203 })) {
      const result = await client.post(
        'crm',
        { id: '', type: '', data: null },
        {
          rawBody: post.rawBody,
          ...(post.signed ? {} : { secret: 'not-the-secret-0123456789abcdef' }),
        },
      );
      statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
      if (result.status >= 500) throw new Error(`${result.status} for ${post.rawBody.slice(0, 300)}`);
      if (result.status === 202) accepted.push((result.body as { id: string }).id);
    }
    // The generator must reach both sides, or the test would show nothing.
    const seen = Object.fromEntries(statuses);
    expect({
      seen,
      enough: accepted.length > BODIES / 10 && (seen[400] ?? 0) > BODIES / 10 && seen[401] > 0,
    }).toEqual({
      seen,
      enough: true,
    });
    expect((await fetch(`${cluster.url('ingest')}/health/ready`)).status).toBe(200);

    for (const consumer of CONSUMERS) {
      const schema = CONSUMER_SCHEMAS[consumer];
      const handled = await eventually(
        async () => {
          const rows = await db.rows<{ id: string; status: string }>(
            `SELECT id, status FROM ${schema}.inbox_message WHERE id = ANY($1::text[])`,
            [accepted],
          );
          if (rows.length < accepted.length)
            throw new Error(`${consumer} has handled ${rows.length} of ${accepted.length}`);
          return rows;
        },
        { timeoutMs: 180_000, intervalMs: 1_000 },
      );
      const deadLettered = handled.filter((row) => row.status === 'dead_lettered').map((row) => row.id);
      const letters = await db.rows<{ event_id: string; error_class: string; error_code: string }>(
        `SELECT payload::jsonb->>'eventId' AS event_id, payload::jsonb->>'errorClass' AS error_class,
                payload::jsonb->>'errorCode' AS error_code
         FROM ${schema}.outbox_message WHERE payload::jsonb->>'eventId' = ANY($1::text[])
           AND headers ? 'x-dead-letter-class'`,
        [deadLettered],
      );
      expect({ consumer, letters: letters.length }).toEqual({ consumer, letters: deadLettered.length });
      // A business refusal (say, an unmapped product) is fine; a store refusing a value is not.
      expect({
        consumer,
        unexpected: letters.filter((letter) => letter.error_class === 'unexpected'),
      }).toEqual({
        consumer,
        unexpected: [],
      });
    }
  });
});
