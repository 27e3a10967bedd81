// Acceptance 2-4 at the connector seam, against the real Tryton and Request Tracker of
// deploy/real-systems.sh (no mocks): a response lost after the system committed, wrong then fixed
// credentials, and a product Tryton does not know.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  RequestTrackerConnector,
  TrytonConnector,
  TrytonParties,
  connectorMetrics,
  type TrytonInvoicing,
} from '@switchboard/connectors';
import { priceDeal } from '@switchboard/contracts';
import { DownstreamError } from '@switchboard/downstream';
import { dealDeliveries, sampleDeal } from '@switchboard/testing';

import { uniqueName } from '../support/stack';
import { droppingProxy, realSystemsEnv, rtReader, trytonReader } from './support';

jest.setTimeout(180_000);

const env = realSystemsEnv();
const tryton = trytonReader(env);
const rt = rtReader(env);

function trytonConnector(
  url = env.TRYTON_URL,
  options: { password?: string; passwordFile?: string; invoicing?: TrytonInvoicing } = {},
) {
  return new TrytonConnector({
    name: 'tryton-erp-test',
    url,
    database: env.TRYTON_DATABASE,
    username: env.TRYTON_USER,
    password: env.TRYTON_PASSWORD,
    timeoutMs: 10_000,
    ...options,
  });
}

const count = (model: string, domain: unknown[]) => tryton.model<number>(model, 'search_count', domain);

async function failureOf(promise: Promise<unknown>): Promise<DownstreamError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DownstreamError);
  return error as DownstreamError;
}

describe('Tryton and Request Tracker connectors against the real systems', () => {
  it('a retry after a response lost once Tryton and RT committed finds the records: one sale, party, invoice, ticket', async () => {
    const deal = sampleDeal({ dealId: uniqueName('RL') });
    const { order, invoice, ticket } = dealDeliveries(deal);
    const lost = (method: string, path: string, body: string) =>
      body.includes('"model.sale.sale.create"') ||
      body.includes('"model.account.invoice.post"') ||
      (method === 'POST' && path.endsWith('/REST/2.0/ticket'));
    const trytonProxy = await droppingProxy(env.TRYTON_URL, lost);
    const rtProxy = await droppingProxy(env.RT_URL, lost);
    try {
      const erp = trytonConnector(trytonProxy.url);
      const support = new RequestTrackerConnector({
        name: 'rt-test',
        url: rtProxy.url,
        username: env.RT_USER,
        password: env.RT_PASSWORD,
        queue: env.RT_QUEUE,
      });

      // Each first call reaches the system, which commits, but the answer never comes back.
      expect((await failureOf(erp.deliver(order))).failureClass).toBe('transient');
      const [draft] = await tryton.model<Array<{ state: string }>>(
        'sale.sale',
        'search_read',
        [['reference', '=', deal.dealId]],
        0,
        null,
        null,
        ['state'],
      );
      expect(draft?.state).toBe('draft');
      const { externalId: saleNumber } = await erp.deliver(order);
      expect(saleNumber).toBeTruthy();

      expect((await failureOf(erp.deliver(invoice))).failureClass).toBe('transient');
      await erp.deliver(invoice);
      await erp.deliver(invoice);

      expect((await failureOf(support.deliver(ticket))).failureClass).toBe('transient');
      const first = await support.deliver(ticket);
      const again = await support.deliver(ticket);
      expect(again.externalId).toBe(first.externalId);
      expect([trytonProxy.dropped(), rtProxy.dropped()]).toEqual([2, 1]);
    } finally {
      await trytonProxy.close();
      await rtProxy.close();
    }

    const [sale] = await tryton.model<Array<{ state: string; invoices: number[]; total_amount: string }>>(
      'sale.sale',
      'search_read',
      [['reference', '=', deal.dealId]],
      0,
      null,
      null,
      ['state', 'invoices', 'total_amount'],
    );
    expect(await count('sale.sale', [['reference', '=', deal.dealId]])).toBe(1);
    expect(await count('party.party', [['code', '=', deal.account.crmAccountId]])).toBe(1);
    expect(sale).toMatchObject({ state: 'processing', total_amount: priceDeal(deal).grossTotal });
    expect(sale.invoices).toHaveLength(1);
    const invoices = await tryton.model<Array<{ state: string }>>('account.invoice', 'read', sale.invoices, [
      'state',
    ]);
    expect(invoices.map((read) => read.state)).toEqual(['posted']);
    const tickets = await rt.request<{ total: number }>(
      'GET',
      `/tickets?query=${encodeURIComponent(`Subject LIKE '[sb:${deal.dealId}]'`)}&per_page=1`,
    );
    expect(tickets.total).toBe(1);
  });

  it('wrong credentials -> authentication class and the alert gauge; fixed credentials -> applied', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'real-systems-secret-'));
    const trytonSecret = join(dir, 'tryton-password');
    const rtSecret = join(dir, 'rt-password');
    writeFileSync(trytonSecret, 'wrong-password\n');
    writeFileSync(rtSecret, 'wrong-password\n');
    const erp = trytonConnector(env.TRYTON_URL, { password: undefined, passwordFile: trytonSecret });
    const support = new RequestTrackerConnector({
      name: 'rt-auth-test',
      url: env.RT_URL,
      username: env.RT_USER,
      passwordFile: rtSecret,
      queue: env.RT_QUEUE,
    });
    const deal = sampleDeal({ dealId: uniqueName('RA') });
    const { order, ticket } = dealDeliveries(deal);
    const gauge = async (connector: string) =>
      (await connectorMetrics.authenticationFailed.get()).values.find(
        (value) => value.labels.connector === connector,
      )?.value;

    const trytonError = await failureOf(erp.deliver(order));
    const rtError = await failureOf(support.deliver(ticket));
    expect([trytonError.failureClass, rtError.failureClass]).toEqual(['authentication', 'authentication']);
    expect([await gauge('tryton-erp-test'), await gauge('rt-auth-test')]).toEqual([1, 1]);
    expect(trytonError.details.credentialsChanged?.()).toBe(false);
    expect(await count('sale.sale', [['reference', '=', deal.dealId]])).toBe(0);

    // The secret is rotated: the consumer's probe sees new credentials and the held event applies.
    writeFileSync(trytonSecret, `${env.TRYTON_PASSWORD}\n`);
    writeFileSync(rtSecret, `${env.RT_PASSWORD}\n`);
    expect([trytonError.details.credentialsChanged?.(), rtError.details.credentialsChanged?.()]).toEqual([
      true,
      true,
    ]);
    await erp.deliver(order);
    await support.deliver(ticket);
    expect([await gauge('tryton-erp-test'), await gauge('rt-auth-test')]).toEqual([0, 0]);
    expect(
      await count('sale.sale', [
        ['reference', '=', deal.dealId],
        ['state', '=', 'processing'],
      ]),
    ).toBe(1);
    await expect(rt.findTicket(deal.dealId)).resolves.toEqual(expect.any(String));
  });

  it('finance-owned invoicing: the sale makes no invoice, finance creates and posts one, a lost reply makes no second', async () => {
    const deal = sampleDeal({
      dealId: uniqueName('RF'),
      currency: 'KWD',
      taxRatePercent: '7.7',
      lines: [
        { lineNo: 1, crmProductId: 'SKU-001', quantity: '3', unitPrice: '12.345', discountPercent: null },
        { lineNo: 2, crmProductId: 'SKU-002', quantity: '2', unitPrice: '0.500', discountPercent: '50' },
      ],
    });
    const { order, invoice } = dealDeliveries(deal);
    await trytonConnector(env.TRYTON_URL, { invoicing: 'finance' }).deliver(order);
    const [sale] = await tryton.model<Array<{ state: string; invoices: number[]; invoice_method: string }>>(
      'sale.sale',
      'search_read',
      [['reference', '=', deal.dealId]],
      0,
      null,
      null,
      ['state', 'invoices', 'invoice_method'],
    );
    // Nothing left to invoice or ship (service products): Tryton closes the sale at once.
    expect(sale).toMatchObject({ state: 'done', invoices: [], invoice_method: 'manual' });

    // The invoice's lines are written (Tryton commits) but the answer is lost: the retry finds the
    // invoice by its reference and only posts it.
    const proxy = await droppingProxy(env.TRYTON_URL, (_method, _path, body) =>
      body.includes('"model.account.invoice.write"'),
    );
    try {
      const finance = trytonConnector(proxy.url, { invoicing: 'finance' });
      expect((await failureOf(finance.deliver(invoice))).failureClass).toBe('transient');
      const { externalId } = await finance.deliver(invoice);
      expect(externalId).toMatch(/\w+/);
      expect((await finance.deliver(invoice)).externalId).toBe(externalId);
      expect(proxy.dropped()).toBe(1);
    } finally {
      await proxy.close();
    }

    const priced = priceDeal(deal);
    const invoices = await tryton.model<
      Array<{
        state: string;
        untaxed_amount: string;
        tax_amount: string;
        total_amount: string;
        lines: number[];
      }>
    >('account.invoice', 'search_read', [['reference', '=', deal.dealId]], 0, null, null, [
      'state',
      'untaxed_amount',
      'tax_amount',
      'total_amount',
      'lines',
    ]);
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({
      state: 'posted',
      untaxed_amount: priced.netTotal,
      tax_amount: priced.taxTotal,
      total_amount: priced.grossTotal,
    });
    expect(invoices[0].lines).toHaveLength(2);
    expect(await count('party.party', [['code', '=', deal.account.crmAccountId]])).toBe(1);
  });

  it('erp-orders and finance creating the same new customer at once leave one party, used by both', async () => {
    // Finance-owned invoicing makes two services create parties. On SQLite Tryton checks the unique
    // party code in Python after the insert: a concurrent create is then usually refused (and takes
    // the first party), and in a rare interleaving both pass (once in a 1,000-deal run; that path is
    // unit-tested in tryton-parties.spec.ts). Either way both services must end on one party.
    const erp = new TrytonParties(trytonReader(env));
    const finance = new TrytonParties(trytonReader(env));
    const codes = Array.from({ length: 8 }, (_, index) => uniqueName(`ACC-RACE${index}`));
    const ids = await Promise.all(
      codes.map((code) =>
        Promise.all([erp, finance].map((parties) => parties.createOnce(code, { name: `Race ${code}` }))),
      ),
    );
    for (const [index, code] of codes.entries()) {
      expect(new Set(ids[index]).size).toBe(1);
      const withCode = [
        ['code', '=', code],
        ['active', 'in', [true, false]],
      ];
      expect(await count('party.party', withCode)).toBe(1);
    }
    // And through the connectors as the consumers call them: one party per new account.
    const account = { crmAccountId: uniqueName('ACC-RACE'), name: 'Race', email: 'race@example.com' };
    const found = await Promise.all(
      [trytonConnector(), trytonConnector(env.TRYTON_URL, { invoicing: 'finance' })].map((connector) =>
        connector.findOrCreateParty(account),
      ),
    );
    expect(found[0].id).toBe(found[1].id);
    expect(await count('party.party', [['code', '=', account.crmAccountId]])).toBe(1);
  });

  it('a product Tryton does not know -> validation naming it, nothing created in Tryton', async () => {
    const deal = sampleDeal({ dealId: uniqueName('RU') });
    const { order } = dealDeliveries(deal, (line) =>
      line.lineNo === 2 ? 'ITM-9999' : `ITM-${1000 + line.lineNo}`,
    );
    const error = await failureOf(trytonConnector().deliver(order));
    expect(error.failureClass).toBe('validation');
    expect(error.message).toContain('ITM-9999 (CRM product SKU-002)');
    expect(await count('sale.sale', [['reference', '=', deal.dealId]])).toBe(0);
    expect(await count('party.party', [['code', '=', deal.account.crmAccountId]])).toBe(0);
  });

  it('several deals at once: one sale and one posted invoice each, also after a lost answer and a repeat; a refused deal fails the whole call, nothing of it created', async () => {
    const deals = [0, 1, 2].map((index) =>
      sampleDeal({ dealId: uniqueName(`RB${index}`), currency: ['EUR', 'JPY', 'KWD'][index] }),
    );
    const deliveries = deals.map((deal) => dealDeliveries(deal));
    const dealIds = deals.map((deal) => deal.dealId);
    // The batched confirm and post reach Tryton, which commits, but their answers never come back.
    const lost = (_method: string, _path: string, body: string) =>
      body.includes('"model.sale.sale.confirm"') || body.includes('"model.account.invoice.post"');
    const proxy = await droppingProxy(env.TRYTON_URL, lost);
    try {
      const erp = trytonConnector(proxy.url, { invoicing: 'finance' });
      const orders = deliveries.map(({ order }) => order);
      const invoices = deliveries.map(({ invoice }) => invoice);
      expect((await failureOf(erp.deliverAll(orders))).failureClass).toBe('transient');
      expect((await failureOf(erp.deliverAll(invoices))).failureClass).toBe('transient');
      expect(proxy.dropped()).toBe(2);
    } finally {
      await proxy.close();
    }
    const erp = trytonConnector(env.TRYTON_URL, { invoicing: 'finance' });
    const sales = await erp.deliverAll(deliveries.map(({ order }) => order));
    const invoices = await erp.deliverAll(deliveries.map(({ invoice }) => invoice));
    expect(await erp.deliverAll(deliveries.map(({ invoice }) => invoice))).toEqual(invoices);
    for (const [index, { order }] of deliveries.entries()) {
      expect(await erp.deliver(order)).toEqual(sales[index]);
    }
    expect(new Set(sales.map((receipt) => receipt.externalId)).size).toBe(3);

    const read = async (model: string, domain: unknown[]) =>
      (
        await tryton.model<Array<{ reference: string; state: string; total_amount: string }>>(
          model,
          'search_read',
          [['reference', 'in', dealIds], ...domain],
          0,
          null,
          [['reference', 'ASC']],
          ['reference', 'state', 'total_amount'],
        )
      ).map(({ reference, state, total_amount }) => ({ reference, state, total_amount }));
    const expected = deals
      .map((deal) => ({ reference: deal.dealId, total_amount: priceDeal(deal).grossTotal }))
      .sort((a, b) => a.reference.localeCompare(b.reference));
    const confirmed = await read('sale.sale', []);
    expect(confirmed.map(({ reference, total_amount }) => ({ reference, total_amount }))).toEqual(expected);
    // A confirmed sale: `processing`, or `done` at once when nothing is left to ship or invoice.
    for (const sale of confirmed) expect(['processing', 'done']).toContain(sale.state);
    const posted = await read('account.invoice', [['type', '=', 'out']]);
    expect(posted).toEqual(expected.map((invoice) => ({ ...invoice, state: 'posted' })));

    // One deal Tryton refuses (an unknown product) among good ones: the call fails before anything
    // is written, and the inbox then delivers them one at a time.
    const good = sampleDeal({ dealId: uniqueName('RB3') });
    const refused = sampleDeal({ dealId: uniqueName('RB4') });
    const batch = [
      dealDeliveries(good).order,
      dealDeliveries(refused, (line) => (line.lineNo === 2 ? 'ITM-9999' : `ITM-${1000 + line.lineNo}`)).order,
    ];
    expect((await failureOf(erp.deliverAll(batch))).failureClass).toBe('validation');
    expect(await count('sale.sale', [['reference', 'in', [good.dealId, refused.dealId]]])).toBe(0);
    const codes = [good.account.crmAccountId, refused.account.crmAccountId];
    expect(await count('party.party', [['code', 'in', codes]])).toBe(0);
  });

  it('Tryton refusals are validation, not retried forever: an unknown currency', async () => {
    const deal = sampleDeal({ dealId: uniqueName('RC'), currency: 'XAU' });
    const error = await failureOf(trytonConnector().deliver(dealDeliveries(deal).order));
    expect(error).toMatchObject({ failureClass: 'validation' });
    expect(error.message).toContain('XAU');
  });
});
