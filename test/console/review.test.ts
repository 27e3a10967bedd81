/* eslint-disable @typescript-eslint/no-explicit-any -- customer-sync's answers are untyped JSON here */
// Review queue and Customer 360 in a real browser, against customer-sync and erp-orders as
// processes on the real broker and database: a steward resolves a phone-number conflict, the value
// reaches the ERP (erp-orders' built-in ERP; the Tryton mode is test/real-systems/console-review-tryton),
// the history names the steward; a steward merges the duplicates an ambiguous match found; a viewer
// sees masked values and no controls, and the console's API refuses the viewer's decision.
import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { CloudEvent } from '@switchboard/contracts';
import { eventually } from '@switchboard/testing';

import { STEWARD_TOKEN, SyncDb, api, runId } from '../customer-sync/support';
import { CONSOLE_URL, ReviewStack, USERS, checkPage, signIn } from './support';

jest.setTimeout(180_000);

const CRM_PHONE = '+49 30 5550101';
const ERP_PHONE = '+49 30 5550202';

describe('console: review queue and customer 360', () => {
  let stack: ReviewStack;
  let browser: Browser;
  const db = new SyncDb();
  const run = runId();
  const acc = `ACC-${run}`;
  let customerId: string;
  let itemId: string;
  let annasId: string;

  const updated = (...args: Parameters<ReviewStack['accountUpdated']>) => stack.accountUpdated(...args);
  const send = (...events: CloudEvent[]) => stack.send(db, ...events);

  beforeAll(async () => {
    stack = await ReviewStack.start('console-review');
    browser = stack.browser;

    // The CRM creates the account; the ERP links its record (same e-mail) with a phone; five
    // seconds later in source time the CRM sets another: a conflict held for a steward.
    const now = Date.now();
    await send(
      updated(
        'crm',
        acc,
        { name: `Konsole ${run} GmbH`, email: `konsole.${run}@example.com` },
        now - 3_600_000,
      ),
    );
    await send(
      updated('erp', `C-${run}`, { email: `konsole.${run}@example.com`, phone: ERP_PHONE }, now - 60_000),
    );
    await send(updated('crm', acc, { phone: CRM_PHONE }, now - 55_000));
    // An account of the sales user's own (the other one has no owner: the default owner's).
    await send(
      updated('crm', `${acc}-anna`, { name: `Anna ${run} AG`, accountOwner: USERS.sales }, now - 3_600_000),
    );
    annasId = (await db.customerIdByRef('crm', 'account', `${acc}-anna`))!;
    customerId = (await db.customerIdByRef('crm', 'account', acc))!;
    const items = (await api('/v1/review-items?kind=conflict')).body as any[];
    itemId = items.find((item) => item.customerId === customerId && item.field === 'phone')?.id;
    if (!itemId) throw new Error(`no phone conflict was opened for ${acc}`);
    // The ERP has the account (created from the CRM's record), without a phone yet.
    await eventually(
      async () => {
        const [row] = await db.rows<{ phone: string | null }>(
          `SELECT phone FROM erp_orders.erp_customer WHERE crm_account_id = $1`,
          [acc],
        );
        expect(row).toEqual({ phone: null });
      },
      { timeoutMs: 60_000 },
    );
  });

  afterAll(async () => {
    await stack?.stop();
    await db.close();
  });

  const session = async (name: string): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, name);
    return { context, page };
  };

  it('a viewer sees the conflict with masked values and no controls; the API refuses their decision with 403', async () => {
    const { context, page } = await session(USERS.viewer);
    await page.goto(`${CONSOLE_URL}/review/${itemId}`);
    const text = await page.locator('main').innerText();
    expect(text).toContain('manual_review');
    expect(text).not.toContain(CRM_PHONE);
    expect(text).not.toContain(ERP_PHONE);
    expect(text).toContain('+••••••••01');
    await expect(page.getByRole('button', { name: /Keep the/ }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Set this value' }).count()).resolves.toBe(0);
    await checkPage(page);

    // The session and a valid CSRF token, and still no: the role decides.
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const refused = await context.request.post(`${CONSOLE_URL}/api/review-items/${itemId}/resolve`, {
      headers: { 'x-csrf-token': csrf },
      data: { candidate: '1' },
    });
    expect(refused.status()).toBe(403);
    const form = await context.request.post(`${CONSOLE_URL}/review/${itemId}/resolve`, {
      form: { _csrf: csrf, candidate: '1' },
      maxRedirects: 0,
    });
    expect(form.status()).toBe(403);
    expect((await api(`/v1/review-items/${itemId}`)).body.status).toBe('open');

    const customer = await context.request.get(`${CONSOLE_URL}/api/customers/${customerId}`);
    expect(await customer.json()).toMatchObject({
      personalDataMasked: true,
      fields: { phone: '+••••••••02', email: `k•••@example.com`, name: `Konsole ${run} GmbH` },
    });
    await context.close();
  });

  it("a steward picks the CRM's phone: it reaches the ERP, and the history says who decided", async () => {
    const { context, page } = await session(USERS.steward);
    await page.goto(`${CONSOLE_URL}/review`);
    await page.getByLabel('Field').selectOption('phone');
    await page.getByLabel('System').selectOption('crm');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Filter' }).click()]);
    await checkPage(page, 'review-queue');
    await page.locator(`a[href="/review/${itemId}"]`).click();
    const values = page.locator('.values');
    await expect(values.innerText()).resolves.toContain(CRM_PHONE);
    await expect(values.innerText()).resolves.toContain(ERP_PHONE);
    await checkPage(page, 'review-item');
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Keep the crm value' }).click(),
    ]);
    await expect(page.locator('main').innerText()).resolves.toContain('resolved by steward:dana via console');

    await eventually(
      async () => {
        const [row] = await db.rows<{ phone: string | null }>(
          `SELECT phone FROM erp_orders.erp_customer WHERE crm_account_id = $1`,
          [acc],
        );
        expect(row).toEqual({ phone: CRM_PHONE });
      },
      { timeoutMs: 60_000 },
    );

    await page.goto(`${CONSOLE_URL}/customers/${customerId}`);
    const history = page.locator('table').filter({ hasText: 'Actor' });
    const decided = history.locator('tr').filter({ hasText: 'steward:dana via console' });
    await expect(decided.innerText()).resolves.toContain(CRM_PHONE);
    await checkPage(page, 'customer');
    const [audit] = await db.rows<{ actor: string; outcome: string }>(
      `SELECT actor, outcome FROM console.console_audit WHERE action = 'review.resolve' AND target = $1`,
      [itemId],
    );
    expect(audit).toEqual({ actor: USERS.steward, outcome: 'ok' });

    // Decided once: a second decision is refused, and says so.
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const again = await context.request.post(`${CONSOLE_URL}/api/review-items/${itemId}/resolve`, {
      headers: { 'x-csrf-token': csrf },
      data: { candidate: '0' },
    });
    expect(again.status()).toBe(409);
    await context.close();
  });

  it('customer-sync refuses a person named by a token without the delegate role', async () => {
    const impersonating = await api(`/v1/review-items/${itemId}/resolve`, STEWARD_TOKEN, {
      method: 'POST',
      headers: { 'x-switchboard-acting-user': 'someone-else' },
      body: JSON.stringify({ candidate: 0 }),
    });
    expect(impersonating.status).toBe(403);
  });

  it('a steward merges duplicates an ambiguous match found: the other is merged into the survivor, and the history says who decided', async () => {
    // Two CRM accounts end up with one e-mail (the CRM masters it); an ERP record with that e-mail
    // then matches both: held for a person, who sees they are one customer.
    const now = Date.now();
    const shared = `twins.${run}@example.com`;
    await send(updated('crm', `${acc}-twin-a`, { name: `Twin ${run} A`, email: shared }, now - 30_000));
    await send(
      updated('crm', `${acc}-twin-b`, { name: `Twin ${run} B`, email: `b.${shared}` }, now - 30_000),
    );
    await send(updated('crm', `${acc}-twin-b`, { email: shared }, now - 20_000));
    await send(updated('erp', `C-${run}-twin`, { name: `Twin ${run}`, email: shared }, now - 10_000));
    const survivor = (await db.customerIdByRef('crm', 'account', `${acc}-twin-a`))!;
    const duplicate = (await db.customerIdByRef('crm', 'account', `${acc}-twin-b`))!;
    const matches = (await api('/v1/review-items?kind=ambiguous_match')).body as Array<{
      id: string;
      externalId: string;
      candidates: Array<{ customerId: string }>;
    }>;
    const match = matches.find((item) => item.externalId === `C-${run}-twin`);
    if (!match) throw new Error(`no ambiguous match was opened for C-${run}-twin`);
    expect(match.candidates.map((c) => c.customerId).sort()).toEqual([survivor, duplicate].sort());

    const { context, page } = await session(USERS.steward);
    await page.goto(`${CONSOLE_URL}/review/${match.id}`);
    const survivorCard = page
      .locator('article')
      .filter({ has: page.locator(`a[href="/customers/${survivor}"]`) });
    await checkPage(page, 'review-match');
    await Promise.all([
      page.waitForNavigation(),
      survivorCard.getByRole('button', { name: 'Merge the others into this customer' }).click(),
    ]);
    const resolved = await page.locator('main').innerText();
    expect(resolved).toContain('resolved by steward:dana via console');
    expect(resolved).toContain(`Merged ${duplicate} into ${survivor}.`);

    // The duplicate is merged into the survivor, which now holds its CRM record and the ERP's.
    expect((await api(`/v1/customers/${duplicate}`)).body).toMatchObject({
      status: 'merged',
      mergedInto: survivor,
    });
    await expect(db.customerIdByRef('crm', 'account', `${acc}-twin-b`)).resolves.toBe(survivor);
    await expect(db.customerIdByRef('erp', 'account', `C-${run}-twin`)).resolves.toBe(survivor);

    await page.goto(`${CONSOLE_URL}/customers/${duplicate}`);
    await expect(page.locator('main').innerText()).resolves.toContain(`${duplicate} · merged`);
    const history = page.locator('table').filter({ hasText: 'Actor' });
    const decided = history.locator('tr').filter({ hasText: 'steward:dana via console' });
    await expect(decided.innerText()).resolves.toMatch(/status\s+active\s+merged/);
    // The merged customer points at the one it is now, and the link leads there.
    const survivorLink = page.locator('main').getByRole('link', { name: survivor, exact: true });
    await expect(survivorLink.getAttribute('href')).resolves.toBe(`/customers/${survivor}`);
    await Promise.all([page.waitForNavigation(), survivorLink.click()]);
    expect(new URL(page.url()).pathname).toBe(`/customers/${survivor}`);
    await expect(
      page
        .locator('table')
        .filter({ hasText: 'Actor' })
        .locator('tr')
        .filter({ hasText: 'steward:dana via console' })
        .count(),
    ).resolves.toBeGreaterThan(0);
    await checkPage(page, 'customer-merged');
    const [audit] = await db.rows<{ actor: string; outcome: string; detail: any }>(
      `SELECT actor, outcome, detail FROM console.console_audit WHERE action = 'review.resolve' AND target = $1`,
      [match.id],
    );
    expect(audit).toMatchObject({ actor: USERS.steward, outcome: 'ok', detail: { mergeInto: survivor } });
    await context.close();
  });

  it('a sales user sees only their own customers, in the pages and in the API', async () => {
    const { context, page } = await session(USERS.sales);
    const own = await page.goto(`${CONSOLE_URL}/customers/${annasId}`);
    expect(own?.status()).toBe(200);
    await expect(page.locator('main').innerText()).resolves.toContain(`Anna ${run} AG`);
    await checkPage(page, 'customer-sales');
    // Without an owner the account is the default owner's (crm-default-owner), not hers.
    const other = await page.goto(`${CONSOLE_URL}/customers/${customerId}`);
    expect(other?.status()).toBe(404);
    await expect(page.locator('main').innerText()).resolves.not.toContain('Konsole');
    const byRef = await page.goto(`${CONSOLE_URL}/customers?system=crm&entity=account&externalId=${acc}`);
    expect(byRef?.status()).toBe(404);
    expect((await context.request.get(`${CONSOLE_URL}/api/customers/${annasId}`)).status()).toBe(200);
    expect((await context.request.get(`${CONSOLE_URL}/api/customers/${customerId}`)).status()).toBe(404);
    // Nor the review queue, which shows every customer's conflicts.
    expect((await page.goto(`${CONSOLE_URL}/review`))?.status()).toBe(403);
    await context.close();
  });
});
