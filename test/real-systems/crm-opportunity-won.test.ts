// The CRM's side of a deal, for real: a prospect and its opportunity are created in the CRM (the
// Tryton database `crm`, deploy/real-systems.sh) and the opportunity is won through the CRM's own
// workflow (its buttons, over JSON-RPC, as a user would). The pollers service, running for real,
// posts one deal_won as the `crm` source; the flows already in place then make one ERP party, one
// confirmed sale and one posted invoice in Tryton, one onboarding ticket in Request Tracker, one
// vCard in the CardDAV address book, and customer-sync links the CRM account to the ERP customer.
// A lead a support user creates without an owner gets the default owner (deploy/ownership.yaml).
// Passes read again and a restarted pollers process publish nothing twice. Real Kafka, PostgreSQL,
// Tryton (ERP and CRM), Request Tracker and Radicale, never mocks.
import { join } from 'node:path';

import { Client } from 'pg';
import { fetchVCards } from 'tsdav';

import {
  TrytonClient,
  TrytonCrmOpportunities,
  trytonDecimal,
  vCardFileName,
  vCardToContact,
  type RequestTrackerConnector,
} from '@switchboard/connectors';
import { IngestClient } from '@switchboard/ingest-client';
import { ServiceProcess, eventually, type LocalCluster } from '@switchboard/testing';

import { pollersEnv, secretOfSource } from '../../scripts/support/pollers-env';
import { CrmOpportunitiesJob } from '../../services/pollers/src/jobs/crm-opportunities.job';
import { pollersService } from '../../services/pollers/src/service.definition';
import { API_TOKENS, readSyncApi } from '../customer-sync/support';
import { ROOT, testCluster, testEnv } from '../support/cluster';
import { uniqueName } from '../support/stack';
import { crmReader, freshDatabaseUrl, realSystemsEnv, rtReader, trytonReader } from './support';

jest.setTimeout(10 * 60_000);

/** A confirmed sale: `processing`, or `done` at once when nothing is left to ship or invoice. */
const CONFIRMED = ['processing', 'done'];
/** The CRM product sold: the development catalogue maps it to the ERP item ITM-1001 (erp-orders). */
const PRODUCT = 'SKU-001';
const SUPPORT_LOGIN = 'support.sam';
// Development only; varied enough for Tryton's password entropy check.
const SUPPORT_PASSWORD = 'Sam.dev-7Kq2xWz';
const OWNERSHIP_FILE = join(ROOT, 'deploy/ownership.yaml');

/** An id of `model` matching `domain`, created with `values` when the CRM has none. */
async function findOrCreate(
  crm: TrytonClient,
  model: string,
  domain: unknown[],
  values: Record<string, unknown>,
): Promise<number> {
  const [id] = await crm.model<number[]>(model, 'search', domain, 0, 1);
  return id ?? (await crm.model<number[]>(model, 'create', [values]))[0];
}

/** The Switchboard event a ticket was opened for: the id its first message names. */
async function ticketEventOf(rt: RequestTrackerConnector, ticketId: string | number): Promise<string | null> {
  const history = await rt.request<{ items: Array<{ id: string }> }>('GET', `/ticket/${ticketId}/history`);
  const create = await rt.request<{ _hyperlinks?: Array<{ ref: string; _url: string }> }>(
    'GET',
    `/transaction/${history.items[0].id}`,
  );
  const link = create._hyperlinks?.find((hyperlink) => hyperlink.ref === 'attachment');
  if (!link) return null;
  const attachment = await rt.request<{ Content?: string }>('GET', link._url.replace(/^.*\/REST\/2\.0/, ''));
  const text = Buffer.from(attachment.Content ?? '', 'base64').toString('utf8');
  return /Switchboard event (\S+)/.exec(text)?.[1] ?? null;
}

describe('an opportunity won in the CRM becomes one deal_won, and its effects in every real system', () => {
  const env = realSystemsEnv();
  const run = uniqueName('OPP');
  const account = `ACC-${run}`;
  const email = `buyer+${run.toLowerCase()}@example.com`;
  let cluster: LocalCluster;
  let pollers: ServiceProcess<'pollers'>;
  let db: Client;
  let crm: TrytonClient;
  let erp: TrytonClient;
  let rt: RequestTrackerConnector;
  let pollersProcessEnv: NodeJS.ProcessEnv;
  let annaEmployee: number;
  let defaultOwnerEmployee: number;
  let opportunityId: number;
  let leadId: number;
  const startAt = new Date(Date.now() - 5_000).toISOString();

  beforeAll(async () => {
    process.env.TEST_BASE_PORT ??= '7100';
    crm = crmReader(env);

    // What the sales team's CRM has: the product, and a support user who may record leads
    // (Tryton's `Sale Opportunity` group) but is no sales user.
    const [unit] = await crm.model<number[]>('product.uom', 'search', [['symbol', '=', 'u']]);
    const category = await findOrCreate(crm, 'product.category', [['name', '=', 'CRM products']], {
      name: 'CRM products',
      accounting: true,
    });
    await findOrCreate(crm, 'product.product', [['code', '=', PRODUCT]], {
      template: (
        await crm.model<number[]>('product.template', 'create', [
          {
            name: 'Onboarding package',
            type: 'service',
            default_uom: unit,
            salable: true,
            sale_uom: unit,
            list_price: trytonDecimal('120'),
            account_category: category,
          },
        ])
      )[0],
      suffix_code: PRODUCT,
    });
    const [company] = await crm.model<number[]>('company.company', 'search', [], 0, 1);
    const groups = await crm.model<number[]>('res.group', 'search', [
      ['name', 'in', ['Sale Opportunity', 'Party Administration']],
    ]);
    await findOrCreate(crm, 'res.user', [['login', '=', SUPPORT_LOGIN]], {
      name: 'Sam Support',
      login: SUPPORT_LOGIN,
      password: SUPPORT_PASSWORD,
      groups: [['add', groups]],
      companies: [['add', [company]]],
      company,
    });
    const crmOpportunities = new TrytonCrmOpportunities(crm);
    annaEmployee = (await crmOpportunities.employeeOfLogin('sales.anna'))!;
    defaultOwnerEmployee = (await crmOpportunities.employeeOfLogin('crm-default-owner'))!;
    expect([annaEmployee, defaultOwnerEmployee]).not.toContain(null);

    const url = await freshDatabaseUrl('switchboard_test_crm_opportunity');
    cluster = testCluster(
      'real-systems-crm-opportunity',
      { ...env, DATABASE_URL: url, CUSTOMER_SYNC_API_TOKENS: API_TOKENS },
      { withCustomerSync: true, withAddressBook: true },
    );
    await cluster.provision();
    const services = Object.values(cluster.services);
    for (const service of services) service.start();
    // Generous: the real-systems lane shares two cores with Tryton, RT and the other lane.
    await Promise.all(services.map((service) => service.waitReady(180_000)));
    db = new Client({ connectionString: url });
    await db.connect();
    erp = trytonReader(env);
    rt = rtReader(env);
    pollersProcessEnv = {
      ...pollersEnv(testEnv({ ...env, DATABASE_URL: url }), cluster.url('ingest')),
      POLLERS_START_AT: startAt,
      TRYTON_PARTIES_POLL_ENABLED: 'false',
      RT_ESCALATIONS_POLL_ENABLED: 'false',
      CRM_OPPORTUNITIES_POLL_ENABLED: 'true',
      CRM_OPPORTUNITIES_POLL_MS: '1000',
      CRM_DEAL_TAX_RATE_PERCENT: '19',
      POLLERS_OWNERSHIP_FILE: OWNERSHIP_FILE,
    };
    const port = Number(process.env.TEST_BASE_PORT) + pollersService.defaultPort - 3000;
    pollers = new ServiceProcess('pollers', port, {
      root: ROOT,
      basePort: port,
      logs: { dir: join(ROOT, '.stack/test-logs/real-systems-crm-opportunity') },
      env: pollersProcessEnv,
    });
    pollers.start();
    await pollers.waitReady(120_000);
  });

  afterAll(async () => {
    await pollers?.stop();
    await cluster?.stop();
    await db?.end();
  });

  /** This run's deal_won rows in ingest's ledger (what it accepted, and so published). */
  const ledgerRows = async (): Promise<string[]> => {
    const { rows } = await db.query<{ source_event_id: string }>(
      `SELECT source_event_id FROM ingest.received_event WHERE source = 'crm' AND source_event_id = $1`,
      [`crm-opportunity-${opportunityId}-won`],
    );
    return rows.map((row) => row.source_event_id);
  };

  it('a prospect won in the CRM: one ERP party, confirmed sale, posted invoice, RT ticket, CardDAV contact; the account linked', async () => {
    // The prospect and its opportunity, owned by sales.anna.
    const [party] = await crm.model<number[]>('party.party', 'create', [
      {
        code: account,
        name: `Lago Blu ${run} S.r.l.`,
        contact_mechanisms: [['create', [{ type: 'email', value: email, name: 'Paola Neri' }]]],
        addresses: [['create', [{ street: 'Via Roma 1', city: 'Como', postal_code: '22100' }]]],
      },
    ]);
    const [
      {
        contact_mechanisms: [contact],
        addresses: [address],
      },
    ] = await crm.model<Array<{ contact_mechanisms: number[]; addresses: number[] }>>(
      'party.party',
      'read',
      [party],
      ['contact_mechanisms', 'addresses'],
    );
    const [product] = await crm.model<number[]>('product.product', 'search', [['code', '=', PRODUCT]]);
    const [unit] = await crm.model<number[]>('product.uom', 'search', [['symbol', '=', 'u']]);
    [opportunityId] = await crm.model<number[]>('sale.opportunity', 'create', [
      {
        party,
        contact,
        address,
        employee: annaEmployee,
        description: `Onboarding for ${run}`,
        lines: [['create', [{ product, quantity: 3, unit }]]],
      },
    ]);
    // The CRM's workflow: qualify, convert (the CRM's own quotation), quote, confirm: Tryton marks the
    // opportunity won when its sale is confirmed. The quotation neither ships nor invoices in the CRM.
    await crm.model('sale.opportunity', 'opportunity', [opportunityId]);
    await crm.model('sale.opportunity', 'convert', [opportunityId]);
    const [{ sales }] = await crm.model<Array<{ sales: number[] }>>(
      'sale.opportunity',
      'read',
      [opportunityId],
      ['sales'],
    );
    await crm.model('sale.sale', 'write', sales, { invoice_method: 'manual', shipment_method: 'manual' });
    await crm.model('sale.sale', 'quote', sales);
    await crm.model('sale.sale', 'confirm', sales);
    const [{ state }] = await crm.model<Array<{ state: string }>>(
      'sale.opportunity',
      'read',
      [opportunityId],
      ['state'],
    );
    expect(state).toBe('won');
    const dealId = `CRM-OPP-${opportunityId}`;

    // The ERP: one party coded with the account id, one confirmed sale of ITM-1001 at the CRM's price,
    // one posted invoice.
    const sale = await eventually(
      async () => {
        const found = await erp.model<
          Array<{ id: number; state: string; lines: number[]; untaxed_amount: string }>
        >('sale.sale', 'search_read', [['reference', '=', dealId]], 0, null, null, [
          'state',
          'lines',
          'untaxed_amount',
        ]);
        if (found.length !== 1 || !CONFIRMED.includes(found[0].state))
          throw new Error(`ERP sales: ${found.map((s) => s.state).join(',') || 'none'}`);
        return found[0];
      },
      { timeoutMs: 180_000, intervalMs: 1_000 },
    );
    expect(Number(sale.untaxed_amount)).toBe(360);
    const [line] = await erp.model<Array<{ quantity: number; 'product.': { code: string } }>>(
      'sale.line',
      'read',
      sale.lines,
      ['quantity', 'product.code'],
    );
    expect(line).toMatchObject({ quantity: 3, 'product.': { code: 'ITM-1001' } });
    await eventually(
      async () => {
        const invoices = await erp.model<Array<{ state: string }>>(
          'account.invoice',
          'search_read',
          [
            ['reference', '=', dealId],
            ['type', '=', 'out'],
          ],
          0,
          null,
          null,
          ['state'],
        );
        if (invoices.length !== 1 || invoices[0].state !== 'posted')
          throw new Error(`ERP invoices: ${invoices.map((i) => i.state).join(',') || 'none'}`);
      },
      { timeoutMs: 180_000, intervalMs: 1_000 },
    );
    expect(await erp.model<number>('party.party', 'search_count', [['code', '=', account]])).toBe(1);

    // Request Tracker: one onboarding ticket for the deal.
    await eventually(
      async () => {
        const id = await rt.findTicket(dealId);
        if (!id) throw new Error('no ticket yet');
        return id;
      },
      { timeoutMs: 180_000, intervalMs: 1_000 },
    );
    // customer-sync: the CRM account and the ERP customer are one customer.
    const syncApi = (path: string) => readSyncApi(cluster.services['customer-sync']!.url, path);
    const customer = await eventually(
      async () => {
        const byCrm = await syncApi(`/v1/customers/by-ref/crm/account/${encodeURIComponent(account)}`);
        const byErp = await syncApi(`/v1/customers/by-ref/erp/account/${encodeURIComponent(account)}`);
        expect(byErp.id).toBe(byCrm.id);
        return byCrm as { id: string };
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    expect(customer.id).toBeTruthy();

    // The address book: one vCard of the deal's contact.
    const contactCustomer = await eventually(
      async () => {
        const { rows } = await db.query<{ customer_id: string }>(
          `SELECT customer_id FROM customer_sync.customer_xref WHERE system = 'crm' AND entity = 'contact' AND external_id = $1`,
          [`CM-${contact}`],
        );
        if (!rows[0]) throw new Error('customer-sync has not linked the contact yet');
        return rows[0].customer_id;
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    const auth = {
      authorization: `Basic ${Buffer.from(`${env.CARDDAV_USER}:${env.CARDDAV_PASSWORD}`).toString('base64')}`,
    };
    const card = await eventually(
      async () => {
        const name = vCardFileName(contactCustomer);
        const cards = await fetchVCards({
          addressBook: { url: env.CARDDAV_URL },
          headers: auth,
          urlFilter: (href) => href.endsWith(`/${name}`),
        });
        const found = cards.filter((c) => c.url.endsWith(`/${name}`));
        if (found.length !== 1) throw new Error(`${found.length} cards`);
        return found[0];
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    expect(vCardToContact(String(card.data))?.card).toMatchObject({ name: 'Paola Neri', email });

    expect(await ledgerRows()).toHaveLength(1);
    // One onboarding ticket, opened for the one deal_won event. (npm test runs this lane on a broker
    // of its own; a second cluster consuming the same topics beside it, say another run on a shared
    // broker, has its own support-onboarding, which may race this one to a second ticket.)
    const { rows: onboarding } = await db.query<{ ticket_number: string; event_id: string }>(
      'SELECT ticket_number, event_id FROM support_onboarding.onboarding_ticket WHERE deal_id = $1',
      [dealId],
    );
    expect(onboarding).toHaveLength(1);
    const { rows: published } = await db.query<{ id: string }>(
      `SELECT id FROM ingest.received_event WHERE source = 'crm' AND source_event_id = $1`,
      [`crm-opportunity-${opportunityId}-won`],
    );
    expect(onboarding[0].event_id).toBe(published[0].id);
    const tickets = await rt.request<{ items: Array<{ id: string | number }> }>(
      'GET',
      `/tickets?query=${encodeURIComponent(`Queue = 'Onboarding' AND Subject LIKE '[sb:${dealId}]'`)}&per_page=10`,
    );
    expect(tickets.items).toHaveLength(1);
    expect(await ticketEventOf(rt, tickets.items[0].id)).toBe(published[0].id);
  });

  it('a lead a support user creates without an owner lands with the default owner, once', async () => {
    const support = new TrytonClient({
      name: 'tryton-crm-support-user',
      url: env.CRM_URL,
      database: env.CRM_DATABASE,
      username: SUPPORT_LOGIN,
      password: SUPPORT_PASSWORD,
    });
    [leadId] = await support.model<number[]>('sale.opportunity', 'create', [
      { description: `Web enquiry ${run}` },
    ]);
    const read = async () =>
      (
        await crm.model<Array<{ employee: number | null; state: string; write_date: unknown }>>(
          'sale.opportunity',
          'read',
          [leadId],
          ['employee', 'state', 'write_date'],
        )
      )[0];
    expect(await read()).toMatchObject({ employee: null, state: 'lead' });
    const assigned = await eventually(
      async () => {
        const lead = await read();
        if (lead.employee !== defaultOwnerEmployee) throw new Error(`owner ${lead.employee}`);
        return lead;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    // Further passes leave it as it is: written once.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await read()).write_date).toEqual(assigned.write_date);
  });

  it('a pass read again, and a restarted pollers process, publish nothing twice', async () => {
    // A pass from before everything this suite did: the won opportunity is a duplicate for ingest.
    const job = new CrmOpportunitiesJob({
      crm: new TrytonCrmOpportunities(crm),
      ingest: new IngestClient(cluster.url('ingest'), {
        crm: secretOfSource(testEnv().INGEST_SOURCE_SECRETS ?? '', 'crm')!,
      }),
      intervalMs: 1_000,
      overlapSeconds: 60,
      taxRatePercent: '19',
      defaultOwner: 'crm-default-owner',
      salesGroups: ['Sales', 'Sales Administrator'],
      report: { skipped: () => undefined, assigned: () => undefined },
      startAt,
    });
    const again = await job.pass({ checkpoint: null, stillLeading: () => true });
    const ours = again.events.find((event) => event.id === `crm-opportunity-${opportunityId}-won`);
    expect(ours).toMatchObject({ duplicate: true });

    // The service restarted, with its checkpoints gone: it reads everything again, posts no new deal.
    await pollers.stop();
    await db.query(`DELETE FROM pollers.poller_checkpoint WHERE poller = 'crm-opportunities'`);
    pollers.start();
    await pollers.waitReady(120_000);
    await eventually(
      async () => {
        const { rows } = await db.query<{ poller: string }>(
          `SELECT poller FROM pollers.poller_checkpoint WHERE poller = 'crm-opportunities'`,
        );
        if (rows.length !== 1) throw new Error('no pass completed since the restart');
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(await ledgerRows()).toHaveLength(1);
    const erpSales = await erp.model<number>('sale.sale', 'search_count', [
      ['reference', '=', `CRM-OPP-${opportunityId}`],
    ]);
    expect(erpSales).toBe(1);
    const [lead] = await crm.model<Array<{ employee: number | null }>>(
      'sale.opportunity',
      'read',
      [leadId],
      ['employee'],
    );
    expect(lead.employee).toBe(defaultOwnerEmployee);
  });
});
