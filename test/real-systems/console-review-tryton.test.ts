/* eslint-disable @typescript-eslint/no-explicit-any -- customer-sync's answers are untyped JSON here */
// The review queue's phone decision with the real Tryton as the ERP: a steward resolves a phone
// conflict in the console (real Chromium), customer-sync publishes the chosen value, erp-orders
// (DOWNSTREAM_MODE=real) writes it onto the Tryton party (TrytonParties.apply), read back here over
// Tryton's own JSON-RPC; the customer's history in the console names the steward. The built-in
// ERP's side of the same decision is test/console/review.test.ts.
import type { Browser } from 'playwright-core';

import type { CloudEvent } from '@switchboard/contracts';
import type { TrytonClient } from '@switchboard/connectors';
import { eventually } from '@switchboard/testing';

import { CONSOLE_URL, ReviewStack, USERS, checkPage, signIn } from '../console/support';
import { SyncDb, api, runId } from '../customer-sync/support';
import { freshDatabaseUrl, realSystemsEnv, trytonReader } from './support';

jest.setTimeout(10 * 60_000);

const CRM_PHONE = '+49 40 5550101';
const ERP_PHONE = '+49 40 5550202';

describe('console: a phone conflict resolved by a steward reaches the Tryton party', () => {
  let stack: ReviewStack;
  let browser: Browser;
  let db: SyncDb;
  let tryton: TrytonClient;
  const run = runId();
  // The party's code in Tryton: erp-orders codes the parties it creates with the CRM account id.
  const acc = `ACC-CT-${run}`;
  let customerId: string;
  let itemId: string;
  let partyId: number;

  const updated = (...args: Parameters<ReviewStack['accountUpdated']>) => stack.accountUpdated(...args);
  const send = (...events: CloudEvent[]) => stack.send(db, ...events);

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
    process.env.DATABASE_URL = await freshDatabaseUrl('switchboard_test_console_tryton');
    db = new SyncDb();
    const real = realSystemsEnv();
    tryton = trytonReader(real);
    stack = await ReviewStack.start('console-review-tryton', {
      erpEnv: real,
      beforeStart: async () => {
        await db.rows('DELETE FROM erp_orders.item_mapping');
      },
    });
    browser = stack.browser;

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
    await stack?.stop();
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
