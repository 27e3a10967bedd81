/* eslint-disable @typescript-eslint/no-explicit-any -- customer-sync's answers are untyped JSON here */
// The review queue's phone decision with the real Tryton as the ERP: a steward resolves a phone
// conflict in the console (real Chromium), customer-sync publishes the chosen value, erp-orders
// (DOWNSTREAM_MODE=real) writes it onto the Tryton party (TrytonParties.apply), read back here over
// Tryton's own JSON-RPC; the customer's history in the console names the steward. The built-in
// ERP's side of the same decision is test/console/review.test.ts.
import { join } from 'node:path';

import type { Browser } from 'playwright-core';

import type { CloudEvent, CustomerUpdatedV1, SourceSystem } from '@switchboard/contracts';
import type { TrytonClient } from '@switchboard/connectors';
import { ServiceProcess, eventually } from '@switchboard/testing';

import {
  CONSOLE_URL,
  SYNC_TOKENS_WITH_CONSOLE,
  USERS,
  checkPage,
  consoleProcess,
  launchBrowser,
  ownershipWithPhoneReview,
  provisionConsole,
  provisionErpOrders,
  signIn,
} from '../console/support';
import {
  SYNC_PORT,
  SyncDb,
  Sources,
  api,
  customerSyncProcess,
  freshGroupPrefix,
  iso,
  provisionCustomerSync,
  runId,
} from '../customer-sync/support';
import { ROOT, startGroupsAtEnd, testEnv } from '../support/cluster';
import { ownDatabaseUrl, realSystemsEnv, trytonReader } from './support';

jest.setTimeout(10 * 60_000);

const CRM_PHONE = '+49 40 5550101';
const ERP_PHONE = '+49 40 5550202';

describe('console: a phone conflict resolved by a steward reaches the Tryton party', () => {
  let sync: ServiceProcess;
  let erp: ServiceProcess;
  let consoleService: ServiceProcess;
  let browser: Browser;
  let sources: Sources;
  let db: SyncDb;
  let tryton: TrytonClient;
  const run = runId();
  // The party's code in Tryton: erp-orders codes the parties it creates with the CRM account id.
  const acc = `ACC-CT-${run}`;
  let customerId: string;
  let itemId: string;
  let partyId: number;

  const updated = (
    system: SourceSystem,
    externalId: string,
    fields: CustomerUpdatedV1['fields'],
    at: number,
  ): CloudEvent<'customer_updated'> =>
    sources.event('customer_updated', system, {
      system,
      entity: 'account',
      externalId,
      changedAt: iso(at),
      fields,
    });

  const send = async (...events: CloudEvent[]) => {
    await sources.publish(events);
    await eventually(() => db.allHandled(events.map((e) => e.id)), { timeoutMs: 60_000 });
  };

  /** The party's phones, as Tryton holds them (every one: a copy made by another run's consumer shows). */
  const partyPhones = async (): Promise<string[]> =>
    (
      await tryton.model<Array<{ value: string }>>(
        'party.contact_mechanism',
        'search_read',
        [
          ['party', '=', partyId],
          ['type', '=', 'phone'],
        ],
        0,
        null,
        [['id', 'ASC']],
        ['value'],
      )
    ).map((mechanism) => mechanism.value);

  beforeAll(async () => {
    // A database of this suite's own: erp-orders here maps no CRM product (below), so the deals
    // other runs publish on the shared broker are refused before any Tryton call.
    process.env.DATABASE_URL = await ownDatabaseUrl('switchboard_test_console_tryton');
    db = new SyncDb();
    const real = realSystemsEnv();
    tryton = trytonReader(real);
    await Promise.all([provisionCustomerSync(), provisionErpOrders(), provisionConsole()]);
    await db.rows('DELETE FROM erp_orders.item_mapping');
    const prefix = await freshGroupPrefix('console-tryton');
    await startGroupsAtEnd(prefix, ['erp-orders']);
    sync = customerSyncProcess('console-review-tryton', {
      KAFKA_GROUP_PREFIX: prefix,
      CUSTOMER_SYNC_OWNERSHIP_FILE: ownershipWithPhoneReview(),
      CUSTOMER_SYNC_API_TOKENS: SYNC_TOKENS_WITH_CONSOLE,
    });
    erp = new ServiceProcess('erp-orders', SYNC_PORT + 1, {
      root: ROOT,
      env: testEnv({ ...real, KAFKA_GROUP_PREFIX: prefix }),
      basePort: SYNC_PORT + 1,
      logs: { dir: join(ROOT, '.stack/test-logs', 'console-review-tryton') },
    });
    consoleService = consoleProcess('console-review-tryton');
    sync.start();
    erp.start();
    consoleService.start();
    sources = new Sources();
    [browser] = await Promise.all([
      launchBrowser(),
      sync.waitReady(),
      erp.waitReady(),
      consoleService.waitReady(),
      sources.connect(),
    ]);

    // The CRM creates the account: erp-orders creates its Tryton party, coded with the account id.
    const now = Date.now();
    const email = `tryton.${run}@example.com`;
    await send(updated('crm', acc, { name: `Tryton Konsole ${run} GmbH`, email }, now - 3_600_000));
    customerId = (await db.customerIdByRef('crm', 'account', acc))!;
    partyId = await eventually(
      async () => {
        const [party] = await tryton.model<number[]>('party.party', 'search', [['code', '=', acc]]);
        if (party === undefined) throw new Error(`no Tryton party ${acc} yet`);
        return party;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    // A clerk gives the party a phone in Tryton, and the ERP reports it (as the pollers service's
    // Tryton parties job posts it: the party code is the ERP's record id); five seconds later in
    // source time the CRM sets another: a conflict held for a steward.
    await tryton.model('party.party', 'write', [partyId], {
      contact_mechanisms: [['create', [{ type: 'phone', value: ERP_PHONE }]]],
    });
    await send(updated('erp', acc, { email, phone: ERP_PHONE }, now - 60_000));
    await send(updated('crm', acc, { phone: CRM_PHONE }, now - 55_000));
    const items = (await api('/v1/review-items?kind=conflict')).body as any[];
    itemId = items.find((item) => item.customerId === customerId && item.field === 'phone')?.id;
    if (!itemId) throw new Error(`no phone conflict was opened for ${acc}`);
  });

  afterAll(async () => {
    await browser?.close();
    await sources?.disconnect();
    await Promise.all([consoleService?.stop(), erp?.stop(), sync?.stop()]);
    await db?.close();
  });

  it("a steward keeps the CRM's phone: Tryton's party gets it, and the history says who decided", async () => {
    // Held, not applied: the party keeps the phone the clerk gave it.
    await expect(partyPhones()).resolves.toEqual([ERP_PHONE]);

    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, USERS.steward);
    await page.goto(`${CONSOLE_URL}/review/${itemId}`);
    const values = page.locator('.values');
    await expect(values.innerText()).resolves.toContain(CRM_PHONE);
    await expect(values.innerText()).resolves.toContain(ERP_PHONE);
    await checkPage(page);
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Keep the crm value' }).click(),
    ]);
    await expect(page.locator('main').innerText()).resolves.toContain('resolved by steward:dana via console');

    // Read back from Tryton itself: the party's phone is the CRM's now (the clerk's was overwritten).
    await eventually(
      async () => {
        expect(new Set(await partyPhones())).toEqual(new Set([CRM_PHONE]));
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );

    await page.goto(`${CONSOLE_URL}/customers/${customerId}`);
    const history = page.locator('table').filter({ hasText: 'Actor' });
    const decided = history.locator('tr').filter({ hasText: 'steward:dana via console' });
    await expect(decided.innerText()).resolves.toContain(CRM_PHONE);
    await checkPage(page);
    await context.close();
  });
});
