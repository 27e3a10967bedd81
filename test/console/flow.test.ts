// Flow health in a real browser: erp-orders' consumer group on the real broker builds up lag while
// the service is stopped (a paused consumer), the page shows it over nothing, and it clears once
// the consumer runs again. An outbox row that waits shows with its age against the alert threshold,
// and an initial load run through the production command shows with its progress and its report.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from 'pg';
import type { Browser, Page } from 'playwright-core';

import { topicOf } from '@switchboard/contracts';
import { THRESHOLDS } from '@switchboard/platform';
import { ServiceProcess, eventually, sampleDeal } from '@switchboard/testing';

import { writeNdjsonExport } from '../customer-sync/export-file';
import {
  SYNC_PORT,
  Sources,
  SyncDb,
  customerSyncProcess,
  freshGroupPrefix,
  provisionCustomerSync,
  runId,
  syncEnv,
} from '../customer-sync/support';
import { ROOT, startGroupsAtEnd, testEnv } from '../support/cluster';
import { databaseUrl, uniqueName } from '../support/stack';
import {
  CONSOLE_URL,
  SYNC_TOKENS_WITH_CONSOLE,
  USERS,
  checkPage,
  consoleProcess,
  launchBrowser,
  provisionConsole,
  provisionErpOrders,
  signIn,
} from './support';

jest.setTimeout(180_000);

describe('console: flow health', () => {
  const prefix = uniqueName('test-console-flow');
  let erp: ServiceProcess;
  let sync: ServiceProcess;
  let consoleService: ServiceProcess;
  let browser: Browser;
  let page: Page;
  const sources = new Sources();
  const run = runId();

  beforeAll(async () => {
    await Promise.all([provisionErpOrders(), provisionConsole(), provisionCustomerSync()]);
    await startGroupsAtEnd(prefix, ['erp-orders']);
    // customer-sync for its API (loads and reports), its consumer at the end of the shared topics.
    sync = customerSyncProcess('console-flow', {
      KAFKA_GROUP_PREFIX: await freshGroupPrefix('console-flow'),
      CUSTOMER_SYNC_API_TOKENS: SYNC_TOKENS_WITH_CONSOLE,
    });
    erp = new ServiceProcess('erp-orders', SYNC_PORT + 3, {
      root: ROOT,
      env: testEnv({ KAFKA_GROUP_PREFIX: prefix }),
      basePort: SYNC_PORT + 3,
      logs: { dir: join(ROOT, '.stack/test-logs', 'console-flow') },
    });
    consoleService = consoleProcess('console-flow', {
      KAFKA_GROUP_PREFIX: prefix,
      CONSOLE_SERVICE_URLS: `erp-orders=http://127.0.0.1:${SYNC_PORT + 3}`,
    });
    erp.start();
    sync.start();
    consoleService.start();
    [browser] = await Promise.all([
      launchBrowser(),
      erp.waitReady(),
      sync.waitReady(),
      consoleService.waitReady(),
      sources.connect(),
    ]);
    page = await (await browser.newContext()).newPage();
    await signIn(page, USERS.operator);
  });

  afterAll(async () => {
    await browser?.close();
    await sources.disconnect();
    await Promise.all([consoleService?.stop(), erp?.stop(), sync?.stop()]);
    // The test database is shared by every run: remove this run's loaded customers again.
    const db = new SyncDb();
    const ids = (
      await db.rows<{ customer_id: string }>(
        `SELECT DISTINCT customer_id FROM customer_sync.customer_xref WHERE system = 'erp' AND external_id LIKE $1`,
        [`F${run}-%`],
      )
    ).map((row) => row.customer_id);
    await db.rows(`DELETE FROM customer_sync.customer_audit WHERE customer_id = ANY($1::uuid[])`, [ids]);
    await db.rows(`DELETE FROM customer_sync.customer_xref WHERE customer_id = ANY($1::uuid[])`, [ids]);
    await db.rows(`DELETE FROM customer_sync.customer WHERE id = ANY($1::uuid[])`, [ids]);
    await db.close();
  });

  // erp-orders' lag on deal_won, the input this test feeds (its customer_synced input carries
  // whatever else runs on the shared broker).
  const erpLag = async (): Promise<number> => {
    await page.goto(`${CONSOLE_URL}/flow`);
    const cell = page.locator(`tr[data-consumer="erp-orders"] [data-topic="${topicOf('deal_won')}"]`);
    return Number(await cell.innerText());
  };

  it('shows the lag a paused consumer builds up, and it clears when the consumer resumes', async () => {
    await eventually(async () => expect(await erpLag()).toBe(0), { timeoutMs: 30_000 });
    await erp.stop();
    await sources.publish(
      Array.from({ length: 5 }, (_, n) =>
        sources.event('deal_won', 'crm', sampleDeal({ dealId: `D-${run}-${n}` })),
      ),
    );
    // Other runs may publish too: at least these five wait for the stopped consumer.
    await eventually(async () => expect(await erpLag()).toBeGreaterThanOrEqual(5), { timeoutMs: 30_000 });
    const row = page.locator('tr[data-consumer="erp-orders"]');
    await expect(row.innerText()).resolves.toContain(`${prefix}.erp-orders`);
    await checkPage(page, 'flow');

    erp.start();
    await erp.waitReady();
    await eventually(async () => expect(await erpLag()).toBe(0), { timeoutMs: 60_000, intervalMs: 1_000 });
    // Two readings apart: the page measured the events the consumer worked through.
    await expect(row.locator('td').nth(1).innerText()).resolves.toMatch(/^\d+\.\d$/);
  });

  it('shows the age of the oldest unpublished outbox row of a service against the alert threshold', async () => {
    // A row for a topic the broker does not know waits (the relay publishes every other topic on):
    // one that was written 20 minutes ago, removed again at the end.
    const database = new Client({ connectionString: databaseUrl() });
    await database.connect();
    const id = randomUUID();
    try {
      await database.query(
        `INSERT INTO erp_orders.outbox_message (id, topic, message_key, event_type, payload, created_at)
         VALUES ($1, $2, $3, 'test', '{}', now() - interval '20 minutes')`,
        [id, `test.${prefix}.waiting`, id],
      );
      const row = page.locator('tr[data-outbox="erp-orders"]');
      await eventually(async () => {
        await page.goto(`${CONSOLE_URL}/flow`);
        const oldest = Number((await row.locator('td.oldest').innerText()).replace(/ s$/, ''));
        expect(oldest).toBeGreaterThanOrEqual(20 * 60);
      });
      await expect(row.locator('td.threshold').innerText()).resolves.toBe(`${THRESHOLDS.latencySeconds} s`);
      await expect(row.locator('td').nth(2).innerText()).resolves.toBe('over threshold');
      await checkPage(page, 'flow-outbox');
    } finally {
      await database.query('DELETE FROM erp_orders.outbox_message WHERE id = $1', [id]);
      await database.end();
    }
    // The console itself produces and consumes nothing: it runs no outbox relay (nor holds its connection).
    const ready = (await (await fetch(`${CONSOLE_URL}/health/ready`)).json()) as {
      details: { kafka: { relay: string } };
    };
    expect(ready.details.kafka.relay).toBe('none');
  });

  it('shows an initial load with its progress and records, and its report among the last sync reports', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'console-flow-load-')), 'customers.ndjson');
    await writeNdjsonExport(file, `F${run}`, 15);
    const cli = join(ROOT, 'dist/services/customer-sync/src/initial-load/initial-load.cli.js');
    const child = spawn(process.execPath, [cli, file, '--system', 'erp', '--no-publish'], {
      cwd: ROOT,
      env: syncEnv(),
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await expect(new Promise((resolve) => child.once('exit', resolve))).resolves.toBe(0);
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as { id: string };
    const loadId = report.id.replace(/^initial_load:/, '');

    await page.goto(`${CONSOLE_URL}/flow`);
    const load = page.locator(`tr[data-load="${loadId}"]`);
    await expect(load.locator('td.status').innerText()).resolves.toBe('completed');
    await expect(load.locator('td.progress').innerText()).resolves.toBe('100.0 %');
    await expect(load.locator('td.records').innerText()).resolves.toBe('15');
    await expect(load.innerText()).resolves.toContain('customers.ndjson');
    const reportRow = page.locator(`tr[data-report="${report.id}"]`);
    await expect(reportRow.innerText()).resolves.toContain('initial_load');
    await expect(reportRow.locator('td.counts').innerText()).resolves.toContain('created 15');
    await checkPage(page, 'flow-sync');
  });
});
