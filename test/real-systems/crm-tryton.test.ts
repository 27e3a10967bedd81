// The CRM, for real: a Tryton database `crm` with Tryton's CRM modules beside the ERP's `switchboard`
// (deploy/real-systems.sh). What the ERP masters (billing address, payment terms, VAT number) and
// finance's payment status reach the CRM party through customer-sync and crm-sync; what the CRM tries
// to change of the ERP's fields is refused. Real Kafka, PostgreSQL and Tryton; both Tryton databases
// are read and changed through their own JSON-RPC.
import { Client } from 'pg';

import {
  TrytonClient,
  TrytonCrmAccounts,
  TrytonParties,
  partyCustomerUpdated,
} from '@switchboard/connectors';
import { LocalCluster, eventually } from '@switchboard/testing';

import { readSyncApi } from '../customer-sync/support';
import { ingestClient } from '../support/cluster';
import { uniqueName } from '../support/stack';
import { crmReader, realSystemsEnv, startCrmCluster, trytonReader } from './support';

jest.setTimeout(5 * 60_000);

const RUNNING = ['ingest', 'customer-sync', 'crm-sync'];

/** A country's id in a Tryton database, created when that database has none of the code. */
async function countryId(tryton: TrytonClient, code: string, name: string): Promise<number> {
  const [id] = await tryton.model<number[]>('country.country', 'search', [['code', '=', code]]);
  return id ?? (await tryton.model<number[]>('country.country', 'create', [{ code, name }]))[0];
}

describe('the CRM (Tryton `crm` database) receives what the ERP and finance master', () => {
  let cluster: LocalCluster;
  let db: Client;
  let erp: TrytonClient;
  let crm: TrytonClient;
  const run = uniqueName('CRM');
  const account = `ACC-${run}`;
  const email = `ap+${run.toLowerCase()}@example.com`;
  let crmPartyId: number;
  let erpPartyId: number;
  let customerId: string;

  beforeAll(async () => {
    const env = realSystemsEnv();
    // Ports of its own: the other real-systems suites use 4700 and 4900.
    process.env.TEST_BASE_PORT ??= '6100';
    ({ cluster, db } = await startCrmCluster({
      suite: 'real-systems-crm',
      database: 'switchboard_test_real_crm',
      running: RUNNING,
    }));

    erp = trytonReader(env);
    crm = crmReader(env);
    // The account as the sales team keeps it in the CRM, and as the ERP knows the same customer
    // (erp-orders codes a party with the CRM account id).
    [crmPartyId] = await crm.model<number[]>('party.party', 'create', [
      {
        code: account,
        name: 'Lago Blu S.r.l.',
        contact_mechanisms: [['create', [{ type: 'email', value: email }]]],
        addresses: [['create', [{ street: 'Via Vecchia 3', city: 'Como', postal_code: '22100' }]]],
      },
    ]);
    [erpPartyId] = await erp.model<number[]>('party.party', 'create', [
      {
        code: account,
        name: 'Lago Blu S.r.l.',
        contact_mechanisms: [['create', [{ type: 'email', value: email }]]],
        identifiers: [['create', [{ type: 'eu_vat', code: 'DE136695976' }]]],
        addresses: [
          [
            'create',
            [
              {
                street: 'Via Roma 1',
                city: 'Milano',
                postal_code: '20121',
                country: await countryId(erp, 'IT', 'Italy'),
              },
            ],
          ],
        ],
      },
    ]);
  });

  afterAll(async () => {
    await cluster?.stop();
    await db?.end();
  });

  const syncApi = (path: string) => readSyncApi(cluster.services['customer-sync']!.url, path);

  /** What the pollers service posts for the ERP party as it is now (its Tryton parties job). */
  const reportErpParty = async (): Promise<void> => {
    const [snapshot] = await new TrytonParties(erp).snapshots([erpPartyId]);
    const posted = await ingestClient(cluster).post('erp', partyCustomerUpdated(snapshot));
    expect(posted.status).toBe(202);
  };

  /** The CRM party as Tryton shows it: first address, customer payment term, VAT, categories. */
  const crmParty = async () => {
    const [party] = await crm.model<
      Array<{
        addresses: number[];
        customer_payment_term: number | null;
        tax_identifier: number | null;
        categories: number[];
      }>
    >(
      'party.party',
      'read',
      [crmPartyId],
      ['addresses', 'customer_payment_term', 'tax_identifier', 'categories'],
    );
    const [address] = await crm.model<
      Array<{ street: string; city: string; postal_code: string; 'country.': { code: string } | null }>
    >('party.address', 'read', [party.addresses[0]], ['street', 'city', 'postal_code', 'country.code']);
    const [term] = party.customer_payment_term
      ? await crm.model<Array<{ name: string }>>(
          'account.invoice.payment_term',
          'read',
          [party.customer_payment_term],
          ['name'],
        )
      : [];
    const [vat] = party.tax_identifier
      ? await crm.model<Array<{ code: string }>>('party.identifier', 'read', [party.tax_identifier], ['code'])
      : [];
    const categories = await crm.model<Array<{ name: string; 'parent.': { name: string } | null }>>(
      'party.category',
      'read',
      party.categories,
      ['name', 'parent.name'],
    );
    return {
      address: {
        street: address.street,
        city: address.city,
        postalCode: address.postal_code,
        country: address['country.']?.code ?? null,
      },
      paymentTerms: term?.name ?? null,
      vatNumber: vat?.code ?? null,
      categories: categories.map((c) => `${c['parent.']?.name ?? ''}/${c.name}`),
    };
  };

  it('links the CRM account and the ERP party into one customer; the ERP-mastered fields reach the CRM party', async () => {
    const created = await ingestClient(cluster).post('crm', {
      id: `evt-${run}-create`,
      type: 'customer_updated',
      data: {
        system: 'crm',
        entity: 'account',
        externalId: account,
        changedAt: new Date().toISOString(),
        fields: { name: 'Lago Blu S.r.l.', email, accountType: 'customer' },
      },
    });
    expect(created.status).toBe(202);
    customerId = (
      await eventually(() => syncApi(`/v1/customers/by-ref/crm/account/${encodeURIComponent(account)}`), {
        timeoutMs: 60_000,
        intervalMs: 500,
      })
    ).id;

    // The ERP party's first report matches the customer by e-mail and links it.
    await reportErpParty();
    await eventually(
      async () => {
        expect(await crmParty()).toMatchObject({
          address: { street: 'Via Roma 1', city: 'Milano', postalCode: '20121', country: 'IT' },
          vatNumber: 'DE136695976',
        });
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const linked = await syncApi(`/v1/customers/by-ref/erp/account/${encodeURIComponent(account)}`);
    expect(linked.id).toBe(customerId);
  });

  it('an ERP change of billing address and payment terms shows on the CRM party within 30 s', async () => {
    let [term] = await erp.model<number[]>('account.invoice.payment_term', 'search', [
      ['name', '=', 'Net 45 days'],
    ]);
    term ??= (
      await erp.model<number[]>('account.invoice.payment_term', 'create', [
        { name: 'Net 45 days', lines: [['create', [{ type: 'remainder' }]]] },
      ])
    )[0];
    const [{ addresses }] = await erp.model<Array<{ addresses: number[] }>>(
      'party.party',
      'read',
      [erpPartyId],
      ['addresses'],
    );
    await erp.model('party.party', 'write', [erpPartyId], {
      customer_payment_term: term,
      addresses: [
        [
          'write',
          [addresses[0]],
          {
            street: 'Speicherstadt 7\nBlock B',
            city: 'Hamburg',
            postal_code: '20457',
            country: await countryId(erp, 'DE', 'Germany'),
          },
        ],
      ],
    });
    const changedAt = Date.now();
    await reportErpParty();
    await eventually(
      async () => {
        expect(await crmParty()).toMatchObject({
          address: {
            street: 'Speicherstadt 7\nBlock B',
            city: 'Hamburg',
            postalCode: '20457',
            country: 'DE',
          },
          paymentTerms: 'Net 45 days',
        });
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(Date.now() - changedAt).toBeLessThan(30_000);
    const { rows } = await db.query(
      'SELECT crm_account_id, fields FROM crm_sync.crm_account_sync WHERE customer_id = $1',
      [customerId],
    );
    expect(rows).toEqual([
      {
        crm_account_id: account,
        fields: expect.objectContaining({
          paymentTerms: 'Net 45 days',
          billingAddress: expect.objectContaining({ city: 'Hamburg' }),
        }),
      },
    ]);
  });

  it('a paid invoice (finance) files the CRM party under Payment status / paid', async () => {
    const posted = await ingestClient(cluster).post('finance', {
      id: `evt-${run}-paid`,
      type: 'invoice_paid',
      data: {
        invoiceNumber: `INV-${run}`,
        crmAccountId: account,
        amount: { amount: '120.00', currency: 'EUR' },
        paidAt: new Date().toISOString(),
      },
    });
    expect(posted.status).toBe(202);
    await eventually(
      async () => {
        expect((await crmParty()).categories).toEqual(['Payment status/paid']);
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
  });

  it('a CRM change of an ERP-owned field (VAT number) is refused, and the CRM party keeps the ERP value', async () => {
    const posted = await ingestClient(cluster).post('crm', {
      id: `evt-${run}-vat`,
      type: 'customer_updated',
      data: {
        system: 'crm',
        entity: 'account',
        externalId: account,
        changedAt: new Date().toISOString(),
        fields: { vatNumber: 'NL004495445B01' },
      },
    });
    expect(posted.status).toBe(202);
    const refused = await eventually(
      async () => {
        const changes: Array<{ field: string }> = await syncApi(
          `/v1/customers/${customerId}/refused-changes`,
        );
        const vat = changes.filter((change) => change.field === 'vatNumber');
        if (vat.length === 0) throw new Error('not refused yet');
        return vat;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(refused).toEqual([
      expect.objectContaining({
        system: 'crm',
        field: 'vatNumber',
        reason: 'not_owner',
        value: 'NL004495445B01',
      }),
    ]);
    expect((await syncApi(`/v1/customers/${customerId}`)).fields.vatNumber).toBe('DE136695976');
    expect((await crmParty()).vatNumber).toBe('DE136695976');
  });

  it('the CRM port finds the account by its CRM id, as the CRM shows it', async () => {
    const accounts = new TrytonCrmAccounts(crmReader(realSystemsEnv()));
    await expect(accounts.findAccount(account)).resolves.toEqual({
      accountId: account,
      name: 'Lago Blu S.r.l.',
      vatNumber: 'DE136695976',
      billingAddress: {
        line1: 'Speicherstadt 7',
        line2: 'Block B',
        city: 'Hamburg',
        postalCode: '20457',
        country: 'DE',
      },
      paymentTerms: 'Net 45 days',
      paymentStatus: 'paid',
    });
    await expect(accounts.findAccount(`${account}-none`)).resolves.toBeNull();
  });
});
