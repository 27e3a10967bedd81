// Dead letters in a real browser, against erp-orders on the real broker and database: deals with a
// product the ERP has no item for are dead-lettered; once the mapping exists an operator replays the
// filtered set, the sales orders appear, a second replay changes nothing; a purge names its count
// first. A viewer sees the letters without the controls.
import { join } from 'node:path';

import type { Browser } from 'playwright-core';

import { listDeadLetters, purgePlan } from '@switchboard/inbox';
import { ServiceProcess, eventually, sampleDeal } from '@switchboard/testing';

import { SYNC_PORT, Sources, runId } from '../customer-sync/support';
import { ROOT, startGroupsAtEnd, testEnv } from '../support/cluster';
import { TestDatabase } from '../support/db';
import { kafkaBrokers, uniqueName } from '../support/stack';
import {
  CONSOLE_URL,
  USERS,
  checkPage,
  consoleProcess,
  launchBrowser,
  provisionConsole,
  provisionErpOrders,
  signIn,
} from './support';

jest.setTimeout(180_000);

describe('console: dead letters', () => {
  let erp: ServiceProcess;
  let consoleService: ServiceProcess;
  let browser: Browser;
  const sources = new Sources();
  const db = new TestDatabase();
  const run = runId();
  const product = `SKU-${run}`;
  const dealIds = [1, 2, 3].map((n) => `D-${run}-${n}`);
  const since = new Date(Date.now() - 1_000).toISOString();
  const kafka = { clientId: 'console-dlq-test', brokers: kafkaBrokers() };
  let refs: string[] = [];

  const ordersOf = () =>
    db.rows<{ deal_id: string; n: number }>(
      `SELECT deal_id, count(*)::int AS n FROM erp_orders.sales_order WHERE deal_id = ANY($1) GROUP BY deal_id ORDER BY deal_id`,
      [dealIds],
    );
  const duplicates = async (): Promise<number> => {
    const text = await (await fetch(`${erp.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith('switchboard_consumer_events_total') && l.includes('outcome="duplicate"'));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  beforeAll(async () => {
    await Promise.all([provisionErpOrders(), provisionConsole()]);
    const prefix = uniqueName('test-console-dlq');
    await startGroupsAtEnd(prefix, ['erp-orders']);
    erp = new ServiceProcess('erp-orders', SYNC_PORT + 2, {
      root: ROOT,
      env: testEnv({ KAFKA_GROUP_PREFIX: prefix, CONSUMER_RETRY_MAX_ATTEMPTS: '1' }),
      basePort: SYNC_PORT + 2,
      logs: { dir: join(ROOT, '.stack/test-logs', 'console-dead-letters') },
    });
    consoleService = consoleProcess('console-dead-letters');
    erp.start();
    consoleService.start();
    [browser] = await Promise.all([
      launchBrowser(),
      erp.waitReady(),
      consoleService.waitReady(),
      sources.connect(),
    ]);

    // Three deals with a product the ERP has no item for: rejected, dead-lettered.
    await sources.publish(
      dealIds.map((dealId) =>
        sources.event(
          'deal_won',
          'crm',
          sampleDeal({
            dealId,
            lines: [
              {
                lineNo: 1,
                crmProductId: product,
                description: 'New bundle',
                quantity: '1',
                unitPrice: '99.00',
              },
            ],
          }),
        ),
      ),
    );
    refs = await eventually(
      async () => {
        const letters = await listDeadLetters(kafka, ['erp-orders'], { since: new Date(since) });
        const ours = letters.filter(({ letter }) => letter.reason.includes(product));
        expect(ours).toHaveLength(3);
        return ours.map(({ ref }) => ref);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  });

  afterAll(async () => {
    await browser?.close();
    await sources.disconnect();
    await Promise.all([consoleService?.stop(), erp?.stop()]);
    await db.close();
  });

  const filtered = `${CONSOLE_URL}/dead-letters?consumer=erp-orders&errorClass=rejected&since=${encodeURIComponent(since)}`;

  it('a viewer reads the letters, without the payload or any control', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, USERS.viewer);
    await page.goto(filtered);
    await expect(page.locator('main').innerText()).resolves.toContain(product);
    await expect(page.getByRole('button', { name: /Replay|Purge/ }).count()).resolves.toBe(0);
    await page.goto(`${CONSOLE_URL}/dead-letters/${refs[0]}`);
    await expect(page.locator('main').innerText()).resolves.toContain('Hidden for your role');
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const refused = await context.request.post(`${CONSOLE_URL}/dead-letters/replay`, {
      form: { _csrf: csrf, consumer: 'erp-orders', scope: 'selected', ref: refs[0] },
    });
    expect(refused.status()).toBe(403);
    await context.close();
  });

  it('after the fix an operator replays the filtered set: the orders appear; a second replay changes nothing', async () => {
    await db.rows(
      `INSERT INTO erp_orders.item_mapping (crm_product_id, item_code, description) VALUES ($1, $2, 'New bundle')`,
      [product, `IT-${run}`],
    );
    expect(await ordersOf()).toEqual([]);
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, USERS.operator);
    await page.goto(filtered);
    await checkPage(page, 'dead-letters');
    const matching = page.getByRole('button', { name: /^Replay all \d+ matching$/ });
    const count = Number((await matching.innerText()).match(/\d+/)![0]);
    expect(count).toBeGreaterThanOrEqual(3);
    await Promise.all([page.waitForNavigation(), matching.click()]);
    await expect(page.getByRole('status').innerText()).resolves.toBe(
      `Replayed ${count} message(s) of erp-orders on their original topics.`,
    );
    await eventually(
      async () => expect(await ordersOf()).toEqual(dealIds.map((deal_id) => ({ deal_id, n: 1 }))),
      {
        timeoutMs: 60_000,
        intervalMs: 500,
      },
    );

    const before = await duplicates();
    await page.goto(filtered);
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: /^Replay all \d+ matching$/ }).click(),
    ]);
    await eventually(async () => expect(await duplicates()).toBeGreaterThanOrEqual(before + 3), {
      timeoutMs: 60_000,
    });
    expect(await ordersOf()).toEqual(dealIds.map((deal_id) => ({ deal_id, n: 1 })));
    const audit = await db.rows<{ actor: string; outcome: string }>(
      `SELECT actor, outcome FROM console.console_audit WHERE action = 'dead-letters.replay' AND actor = $1 AND at > $2`,
      [USERS.operator, since],
    );
    expect(audit).toEqual([
      { actor: USERS.operator, outcome: 'ok' },
      { actor: USERS.operator, outcome: 'ok' },
    ]);
    await context.close();
  });

  it('a purge names its count first, and deletes only what the operator selected', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, USERS.operator);
    await page.goto(filtered);
    for (const ref of refs) await page.getByLabel(`Select ${ref}`).check();
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Purge selected...' }).click(),
    ]);
    await expect(page.locator('main').innerText()).resolves.toContain(
      'This deletes 3 dead letter(s) of erp-orders for good.',
    );
    await checkPage(page, 'dead-letters-purge');
    // The shared broker may hold older letters of erp-orders below ours: Kafka deletes a partition's
    // prefix, so then the purge must refuse rather than delete letters nobody selected.
    const plan = purgePlan(await listDeadLetters(kafka, ['erp-orders']), refs);
    const response = await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Purge 3 dead letter(s)' }).click(),
    ]).then(([navigation]) => navigation);
    const remaining = (await listDeadLetters(kafka, ['erp-orders'], { refs })).map(({ ref }) => ref);
    if (plan.unnamed.length === 0) {
      expect(response?.status()).toBe(200);
      await expect(page.getByRole('status').innerText()).resolves.toBe(
        'Purged 3 dead letter(s) of erp-orders.',
      );
      expect(remaining).toEqual([]);
    } else {
      expect(response?.status()).toBe(409);
      await expect(page.getByRole('alert').innerText()).resolves.toContain(
        `Nothing purged: ${plan.unnamed.length} older dead letter(s) of erp-orders would go too`,
      );
      expect(remaining.sort()).toEqual([...refs].sort());
    }
    await context.close();
  });
});
