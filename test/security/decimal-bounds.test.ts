// At the edges: ingest refuses a half-megabyte quantity at once (400, naming the
// field), and the amount columns of erp-orders and finance-invoicing refuse what the contract does
// (the migrations' CHECK constraints), while in-bound values keep the notation the source sent.
import { randomUUID } from 'node:crypto';

import { eventually, sampleDeal, type IngestClient, type ServiceProcess } from '@switchboard/testing';

import { testEnv } from '../support/cluster';
import { TestDatabase } from '../support/db';
import { SECURITY_BASE_PORT, ingestAt, provisionService, serviceProcess } from './support';

jest.setTimeout(180_000);

describe('decimal strings and amount columns are bounded', () => {
  let ingest: ServiceProcess;
  let client: IngestClient;
  let db: TestDatabase;

  beforeAll(async () => {
    for (const name of ['ingest', 'erp-orders', 'finance-invoicing']) await provisionService(name, testEnv());
    ingest = serviceProcess('ingest', 'security-decimals', SECURITY_BASE_PORT + 1);
    ingest.start();
    client = ingestAt(ingest.url);
    db = new TestDatabase();
    await ingest.waitReady();
  });

  afterAll(async () => {
    await ingest?.stop();
    await db?.close();
  });

  it('ingest refuses a deal whose quantity and price are half a megabyte each, fast, naming both fields', async () => {
    const deal = sampleDeal({ dealId: `D-${randomUUID()}` });
    const huge = '9'.repeat(450_000);
    deal.lines[0].quantity = huge;
    deal.lines[0].unitPrice = `${huge}.00`;
    // "Fast" is about the work a refusal costs, not the scheduler of a shared CI machine: a slow
    // validation is slow every time, so the fastest of three refusals must stay under the bound.
    const timings: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const started = Date.now();
      const result = await client.post('crm', { id: randomUUID(), type: 'deal_won', data: deal });
      timings.push(Date.now() - started);
      expect(result.status).toBe(400);
      const fields = (result.body as { error: { fields: Array<{ field: string }> } }).error.fields.map(
        (f) => f.field,
      );
      expect(fields).toEqual(expect.arrayContaining(['data.lines[0].quantity', 'data.lines[0].unitPrice']));
    }
    expect(Math.min(...timings)).toBeLessThan(2_000);
    // And it keeps serving.
    await eventually(async () => {
      const ok = await fetch(`${ingest.url}/health/live`);
      if (!ok.ok) throw new Error(`live ${ok.status}`);
    });
  });

  it.each([
    ['erp_orders.sales_order_line', 'quantity', '1000000000'],
    ['erp_orders.sales_order_line', 'unit_price', '1.00001'],
    ['finance_invoicing.invoice_line', 'discount_percent', '100.5'],
    ['finance_invoicing.invoice', 'gross_total', '1e27'],
  ])('%s.%s refuses %s (CHECK from the contract bounds)', async (table, column, value) => {
    const constraint = `ck_${table.split('.')[1]}_${column}_bounded`;
    const [check] = await db.rows<{ def: string }>(
      `SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
       JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE c.conname = $1 AND n.nspname || '.' || t.relname = $2`,
      [constraint, table],
    );
    expect(check).toBeDefined();
    // Evaluate the column's own CHECK expression against the value.
    const expression = check.def.replace(/^CHECK /, '').replaceAll(column, `$1::numeric`);
    const [result] = await db.rows<{ ok: boolean }>(`SELECT ${expression} AS ok`, [value]);
    expect(result.ok).toBe(false);
    const [fine] = await db.rows<{ ok: boolean }>(`SELECT ${expression} AS ok`, ['3']);
    expect(fine.ok).toBe(true);
  });
});
