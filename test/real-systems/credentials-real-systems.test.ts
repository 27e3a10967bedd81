// Acceptance 3 through the consumers: wrong Tryton and RT credentials -> the authentication class,
// the consumers hold and raise the alert gauge; the mounted secrets are fixed -> every held deal is
// applied in Tryton and RT. Real Kafka + PostgreSQL + Tryton + Request Tracker.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { priceDeal } from '@switchboard/contracts';
import { eventually, sampleDeal, type LocalCluster } from '@switchboard/testing';

import { ingestClient, testCluster } from '../support/cluster';
import { uniqueName } from '../support/stack';
import { realSystemsDatabaseUrl, realSystemsEnv, rtReader, trytonReader } from './support';

jest.setTimeout(300_000);

describe('wrong, then fixed, credentials for Tryton and Request Tracker', () => {
  const env = realSystemsEnv();
  const secrets = mkdtempSync(join(tmpdir(), 'real-systems-secrets-'));
  const trytonSecret = join(secrets, 'tryton-password');
  const rtSecret = join(secrets, 'rt-password');
  let cluster: LocalCluster;

  beforeAll(async () => {
    writeFileSync(trytonSecret, 'not-the-password\n');
    writeFileSync(rtSecret, 'not-the-password\n');
    // A port range of its own: other suites may run beside it on a shared development machine.
    process.env.TEST_BASE_PORT = '4750';
    cluster = testCluster('real-systems-credentials', {
      ...env,
      TRYTON_PASSWORD: '',
      TRYTON_PASSWORD_FILE: trytonSecret,
      RT_PASSWORD: '',
      RT_PASSWORD_FILE: rtSecret,
      CONSUMER_AUTH_PROBE_INTERVAL_MS: '1000',
      DATABASE_URL: await realSystemsDatabaseUrl(),
    });
    await cluster.provision();
    await cluster.start();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  const gauge = async (
    service: 'erp-orders' | 'finance-invoicing' | 'support-onboarding',
    connector: string,
  ) => {
    const text = await (await fetch(`${cluster.url(service)}/metrics`)).text();
    const line = text
      .split('\n')
      .find(
        (row) =>
          row.startsWith('switchboard_connector_authentication_failed{') &&
          row.includes(`connector="${connector}"`),
      );
    return line ? Number(line.split(' ').pop()) : undefined;
  };

  it('holds with the alert gauge at 1, then applies every held deal once the secrets are fixed', async () => {
    const deals = [0, 1, 2].map((index) => sampleDeal({ dealId: uniqueName(`RK${index}`) }));
    for (const deal of deals) {
      const posted = await ingestClient(cluster).post('crm', {
        id: `evt-${deal.dealId}`,
        type: 'deal_won',
        data: deal,
      });
      expect(posted.status).toBe(202);
    }

    await eventually(
      async () => {
        const values = [
          await gauge('erp-orders', 'tryton-erp'),
          await gauge('finance-invoicing', 'tryton-finance'),
          await gauge('support-onboarding', 'request-tracker'),
        ];
        expect(values).toEqual([1, 1, 1]);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const tryton = trytonReader(env);
    const rt = rtReader(env);
    const ids = deals.map((deal) => deal.dealId);
    await expect(tryton.model<number>('sale.sale', 'search_count', [['reference', 'in', ids]])).resolves.toBe(
      0,
    );

    // The secrets are rotated: the consumers' probes see new credentials and resume.
    writeFileSync(trytonSecret, `${env.TRYTON_PASSWORD}\n`);
    writeFileSync(rtSecret, `${env.RT_PASSWORD}\n`);

    // deploy/real-systems.env: finance owns invoicing, its invoice carries the deal id as reference.
    const sales = await eventually(
      async () => {
        const found = await tryton.model<Array<{ reference: string; total_amount: string }>>(
          'sale.sale',
          'search_read',
          [
            ['reference', 'in', ids],
            ['state', 'in', ['processing', 'done']],
          ],
          0,
          null,
          null,
          ['reference', 'total_amount'],
        );
        expect(found).toHaveLength(deals.length);
        const invoices = await tryton.model<Array<{ state: string }>>(
          'account.invoice',
          'search_read',
          [['reference', 'in', ids]],
          0,
          null,
          null,
          ['state'],
        );
        expect(invoices.map((invoice) => invoice.state)).toEqual(deals.map(() => 'posted'));
        return found;
      },
      { timeoutMs: 180_000, intervalMs: 1_000 },
    );
    const byReference = new Map(sales.map((sale) => [sale.reference, sale.total_amount]));
    expect(deals.map((deal) => byReference.get(deal.dealId))).toEqual(
      deals.map((deal) => priceDeal(deal).grossTotal),
    );
    for (const deal of deals) {
      await eventually(async () => expect(await rt.findTicket(deal.dealId)).toEqual(expect.any(String)), {
        timeoutMs: 60_000,
        intervalMs: 1_000,
      });
    }
    expect([
      await gauge('erp-orders', 'tryton-erp'),
      await gauge('finance-invoicing', 'tryton-finance'),
      await gauge('support-onboarding', 'request-tracker'),
    ]).toEqual([0, 0, 0]);
  });
});
