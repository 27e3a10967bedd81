import type { DealWonV1 } from '@switchboard/contracts';
import { eventually, sampleDeal, type LocalCluster } from '@switchboard/testing';

import { ingestClient, testCluster } from '../support/cluster';
import { CONSUMER_SCHEMAS, EFFECT_TABLES, TestDatabase } from '../support/db';
import { uniqueName } from '../support/stack';

jest.setTimeout(600_000);

const DEALS = 10_000;
const CURRENCIES = [
  { code: 'JPY', digits: 0 },
  { code: 'EUR', digits: 2 },
  { code: 'KWD', digits: 3 },
] as const;
const NAMES = [
  'Zoë\'s "Café" & Crème',
  'Ñandú Łódź Škoda Ærø',
  '株式会社 東京テスト',
  'شركة الاختبار المحدودة',
  'Тестовая компания «Ромашка»',
  'Rocket 🚀 Pizza 🍕 Ltd',
  "O'Brien \\ Backslash; DROP TABLE x;--",
];

/** Half-even division of non-negative integers: the rounding rule the contract promises. */
function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const twice = (numerator % denominator) * 2n;
  if (twice > denominator || (twice === denominator && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}

function format(minor: bigint, digits: number): string {
  if (digits === 0) return minor.toString();
  const text = minor.toString().padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/**
 * Deterministic awkward deals, and their totals computed independently of the code under test
 * (integer arithmetic in minor units, not the decimal library the services use).
 */
function awkwardDeal(run: string, n: number): { deal: DealWonV1; grossTotal: string; netTotal: string } {
  const currency = CURRENCIES[n % CURRENCIES.length];
  const lineCount = 1 + (n % 3);
  const taxRate = BigInt([0, 7, 19, 21][n % 4]);
  let net = 0n;
  const lines = Array.from({ length: lineCount }, (_, index) => {
    const quantity = BigInt(1 + ((n * 7 + index) % 20));
    const priceMinor = BigInt(((n * 7919 + index * 104_729) % 9_999_999) + 1);
    const discountTenths = BigInt([0, 250, 125, 333][(n + index) % 4]); // 0 %, 25 %, 12.5 %, 33.3 %
    net += divideHalfEven(quantity * priceMinor * (1000n - discountTenths), 1000n);
    return {
      lineNo: index + 1,
      crmProductId: `SKU-${String(1 + ((n + index) % 20)).padStart(3, '0')}`,
      description: index === 0 ? NAMES[n % NAMES.length] : null,
      quantity: quantity.toString(),
      unitPrice: format(priceMinor, currency.digits),
      discountPercent: discountTenths === 0n ? undefined : format(discountTenths, 1).replace(/\.0$/, ''),
    };
  });
  const tax = divideHalfEven(net * taxRate, 100n);
  const dealId = `${run}-${n}`;
  const deal = sampleDeal({
    dealId,
    currency: currency.code,
    taxRatePercent: taxRate.toString(),
    lines: lines,
    account: {
      name: NAMES[(n + 3) % NAMES.length],
      vatNumber: n % 5 === 0 ? undefined : `VAT${n}`,
      country: n % 6 === 0 ? undefined : 'FR',
    },
    contact: {
      firstName: n % 4 === 0 ? undefined : 'Ünïcødé 😀',
      lastName: n % 3 === 0 ? undefined : "D'Àrcy",
    },
    notes: n % 10 === 0 ? `${NAMES[n % NAMES.length]} `.repeat(2_000).slice(0, 10_000) : undefined,
  });
  return { deal, netTotal: format(net, currency.digits), grossTotal: format(net + tax, currency.digits) };
}

describe('volume: 10,000 deals with awkward data', () => {
  let cluster: LocalCluster;
  let db: TestDatabase;

  beforeAll(async () => {
    cluster = testCluster('volume', { LOG_LEVEL: 'warn' });
    await cluster.provision();
    await cluster.start();
    db = new TestDatabase();
  });

  afterAll(async () => {
    await cluster?.stop();
    await db?.close();
  });

  it('produces 40,000 effects, none missing, none duplicated, amounts exact', async () => {
    const run = uniqueName('VOL');
    const client = ingestClient(cluster);
    const expected = new Map<
      string,
      { netTotal: string; grossTotal: string; notes?: string | null; name: string }
    >();
    let next = 0;
    const started = Date.now();
    const worker = async () => {
      while (next < DEALS) {
        const n = next++;
        const { deal, netTotal, grossTotal } = awkwardDeal(run, n);
        expected.set(deal.dealId, { netTotal, grossTotal, notes: deal.notes, name: deal.account.name });
        const response = await client.post('crm', { id: `evt-${deal.dealId}`, type: 'deal_won', data: deal });
        if (response.status !== 202)
          throw new Error(`deal ${n}: ${response.status} ${JSON.stringify(response.body)}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const posted = Date.now();

    const like = `${run}-%`;
    await eventually(
      async () => {
        for (const table of Object.values(EFFECT_TABLES)) {
          const count = await db.count(`SELECT count(*) FROM ${table} WHERE deal_id LIKE $1`, [like]);
          if (count < DEALS) throw new Error(`${table}: ${count}/${DEALS}`);
        }
      },
      { timeoutMs: 300_000, intervalMs: 1_000 },
    );
    console.log(
      `volume: ${DEALS} deals accepted in ${posted - started} ms, all 4 x ${DEALS} effects after ${Date.now() - started} ms`,
    );

    // None duplicated: one effect and one inbox row per deal in every consumer.
    for (const [consumer, table] of Object.entries(EFFECT_TABLES)) {
      expect({
        consumer,
        effects: await db.count(`SELECT count(*) FROM ${table} WHERE deal_id LIKE $1`, [like]),
      }).toEqual({
        consumer,
        effects: DEALS,
      });
      expect(
        await db.count(`SELECT count(DISTINCT deal_id) FROM ${table} WHERE deal_id LIKE $1`, [like]),
      ).toBe(DEALS);
      const schema = CONSUMER_SCHEMAS[consumer as keyof typeof CONSUMER_SCHEMAS];
      expect(
        await db.count(
          `SELECT count(*) FROM ${schema}.inbox_message i JOIN ${table} e ON e.event_id::text = i.id WHERE e.deal_id LIKE $1`,
          [like],
        ),
      ).toBe(DEALS);
    }

    // Amounts exact: every invoice and order total equals the independent integer computation.
    const invoices = await db.rows<{ deal_id: string; net_total: string; gross_total: string }>(
      'SELECT deal_id, net_total::text, gross_total::text FROM finance_invoicing.invoice WHERE deal_id LIKE $1',
      [like],
    );
    const orders = await db.rows<{ deal_id: string; net_total: string }>(
      'SELECT deal_id, net_total::text FROM erp_orders.sales_order WHERE deal_id LIKE $1',
      [like],
    );
    const wrongInvoices = invoices.filter(
      (row) =>
        row.net_total !== expected.get(row.deal_id)!.netTotal ||
        row.gross_total !== expected.get(row.deal_id)!.grossTotal,
    );
    const wrongOrders = orders.filter((row) => row.net_total !== expected.get(row.deal_id)!.netTotal);
    expect(wrongInvoices.slice(0, 5)).toEqual([]);
    expect(wrongOrders.slice(0, 5)).toEqual([]);

    // Text survives byte for byte: long notes and non-Latin names.
    const tickets = await db.rows<{ deal_id: string; subject: string; body: string }>(
      'SELECT deal_id, subject, body FROM support_onboarding.onboarding_ticket WHERE deal_id LIKE $1',
      [like],
    );
    for (const ticket of tickets) {
      const deal = expected.get(ticket.deal_id)!;
      expect(ticket.subject).toBe(`Onboarding: ${deal.name}`);
      if (deal.notes) expect(ticket.body.endsWith(`Notes: ${deal.notes}`)).toBe(true);
    }
    expect(tickets.filter((ticket) => ticket.body.length > 10_000).length).toBe(DEALS / 10);
  });
});
