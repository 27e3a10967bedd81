// Shared by the console suites: the console as its own process (from dist/, like its container),
// Debian's Chromium driven by playwright-core, an axe check and a screenshot of every page.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';

import type { CloudEvent, CustomerUpdatedV1, SourceSystem } from '@switchboard/contracts';
import { consumerTopicsSpec } from '@switchboard/inbox';
import { ServiceProcess, eventually } from '@switchboard/testing';

import { ALL_SERVICES } from '../../scripts/provision-all';

import {
  API_TOKENS as SYNC_TEST_TOKENS,
  SYNC_PORT,
  Sources,
  customerSyncProcess,
  freshGroupPrefix,
  iso,
  provisionCustomerSync,
  type SyncDb,
} from '../customer-sync/support';
import { ROOT, startGroupsAtEnd, testEnv } from '../support/cluster';

/** After customer-sync's port (TEST_BASE_PORT + 20) and the one erp-orders runs on here (+ 21). */
export const CONSOLE_PORT = Number(process.env.TEST_BASE_PORT ?? 4100) + 30;
export const CONSOLE_URL = `http://127.0.0.1:${CONSOLE_PORT}`;

/** The console's token for customer-sync, and customer-sync's token list that includes it. */
export const CONSOLE_SYNC_TOKEN = 'console-test-token-0123456789abcdefgh';
export const SYNC_TOKENS_WITH_CONSOLE = `${SYNC_TEST_TOKENS},console:viewer+data-steward+delegate:${CONSOLE_SYNC_TOKEN}`;

/** The local accounts of deploy/local.env; each password is `<name>-change-me`. */
export const USERS = { steward: 'dana', operator: 'oscar', viewer: 'vic', sales: 'anna' } as const;

export function consoleProcess(suite: string, extra: NodeJS.ProcessEnv = {}): ServiceProcess {
  return new ServiceProcess('console', CONSOLE_PORT, {
    root: ROOT,
    env: testEnv({
      CONSOLE_CUSTOMER_SYNC_URL: `http://127.0.0.1:${SYNC_PORT}`,
      CONSOLE_CUSTOMER_SYNC_TOKEN: CONSOLE_SYNC_TOKEN,
      CONSOLE_CONSUMERS: consumerTopicsSpec(ALL_SERVICES),
      ...extra,
    }),
    basePort: CONSOLE_PORT,
    logs: { dir: join(ROOT, '.stack/test-logs', suite) },
  });
}

/** The console's schema and migrations (the release step; idempotent). */
export async function provisionConsole(): Promise<void> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/services/console/src/provision.js')], {
    cwd: ROOT,
    env: testEnv(),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`console provisioning failed (exit ${code})`);
}

/** Debian's Chromium (scripts/test.sh installs it); CHROMIUM_PATH points elsewhere. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath}: apt-get install -y chromium (scripts/test.sh does)`);
  }
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export async function signIn(page: Page, name: string, password = `${name}-change-me`): Promise<void> {
  // A page that needed a session is already on /login?next=..., and returns there after.
  if (!page.url().startsWith(`${CONSOLE_URL}/login`)) await page.goto(`${CONSOLE_URL}/login`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Sign in' }).click()]);
}

/**
 * Where the pages' screenshots go: .stack/screenshots on every run, so a test run leaves the
 * checkout clean; with UPDATE_SCREENSHOTS=1, docs/img, the README's own images.
 */
const SCREENSHOTS = join(ROOT, process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/img' : '.stack/screenshots');

/**
 * axe on the page as it stands: no serious or critical violation (the message lists them), then
 * a screenshot when `screenshot` names it (console-<name>.png in SCREENSHOTS).
 */
export async function checkPage(page: Page, screenshot?: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(' ')).join('; ')}`,
    );
  expect(serious).toEqual([]);
  if (screenshot) {
    await page.screenshot({ path: join(SCREENSHOTS, `console-${screenshot}.png`), fullPage: true });
  }
}

/** erp-orders' schema, migrations and topics. */
export async function provisionErpOrders(): Promise<void> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/services/erp-orders/src/provision.js')], {
    cwd: ROOT,
    env: testEnv(),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`erp-orders provisioning failed (exit ${code})`);
}

/** deploy/ownership.yaml with the phone held for a steward when CRM and ERP change it together. */
export function ownershipWithPhoneReview(): string {
  const dir = mkdtempSync(join(tmpdir(), 'console-ownership-'));
  const path = join(dir, 'ownership.yaml');
  copyFileSync(join(ROOT, 'deploy/ownership.yaml'), path);
  const text = readFileSync(path, 'utf8');
  const phone =
    'phone: { master: crm, writers: [erp], receivers: [erp, marketing, support], strategy: last_writer_wins }';
  if (!text.includes(phone))
    throw new Error('deploy/ownership.yaml no longer has the phone rule this test edits');
  writeFileSync(path, text.replace(phone, phone.replace('last_writer_wins', 'manual_review')));
  return path;
}

/**
 * What a review suite runs: customer-sync (the phone held for a steward), erp-orders on the port
 * after it (built-in ERP, or Tryton through `erpEnv`), the console, Chromium and a publisher of
 * source events. `beforeStart` runs once the schemas exist, before any consumer starts.
 */
export class ReviewStack {
  private constructor(
    readonly sync: ServiceProcess,
    readonly erp: ServiceProcess,
    readonly console: ServiceProcess,
    readonly browser: Browser,
    readonly sources: Sources,
  ) {}

  static async start(
    suite: string,
    options: { erpEnv?: NodeJS.ProcessEnv; beforeStart?: () => Promise<void> } = {},
  ): Promise<ReviewStack> {
    await Promise.all([provisionCustomerSync(), provisionErpOrders(), provisionConsole()]);
    await options.beforeStart?.();
    const prefix = await freshGroupPrefix(suite);
    await startGroupsAtEnd(prefix, ['erp-orders']);
    const sync = customerSyncProcess(suite, {
      KAFKA_GROUP_PREFIX: prefix,
      CUSTOMER_SYNC_OWNERSHIP_FILE: ownershipWithPhoneReview(),
      CUSTOMER_SYNC_API_TOKENS: SYNC_TOKENS_WITH_CONSOLE,
    });
    const erp = new ServiceProcess('erp-orders', SYNC_PORT + 1, {
      root: ROOT,
      env: testEnv({ ...options.erpEnv, KAFKA_GROUP_PREFIX: prefix }),
      basePort: SYNC_PORT + 1,
      logs: { dir: join(ROOT, '.stack/test-logs', suite) },
    });
    const consoleService = consoleProcess(suite);
    sync.start();
    erp.start();
    consoleService.start();
    const sources = new Sources();
    try {
      const [browser] = await Promise.all([
        launchBrowser(),
        sync.waitReady(),
        erp.waitReady(),
        consoleService.waitReady(),
        sources.connect(),
      ]);
      return new ReviewStack(sync, erp, consoleService, browser, sources);
    } catch (error) {
      // No stack to stop in afterAll: leave no process behind for the next suite's ports.
      await sources.disconnect().catch(() => undefined);
      await Promise.all([consoleService.stop(), erp.stop(), sync.stop()]);
      throw error;
    }
  }

  /** A source system's change of one account, `at` in source time. */
  accountUpdated(
    system: SourceSystem,
    externalId: string,
    fields: CustomerUpdatedV1['fields'],
    at: number,
  ): CloudEvent<'customer_updated'> {
    return this.sources.event('customer_updated', system, {
      system,
      entity: 'account',
      externalId,
      changedAt: iso(at),
      fields,
    });
  }

  /** Publishes the events and waits until customer-sync has handled every one. */
  async send(db: SyncDb, ...events: CloudEvent[]): Promise<void> {
    await this.sources.publish(events);
    await eventually(() => db.allHandled(events.map((e) => e.id)), { timeoutMs: 60_000 });
  }

  async stop(): Promise<void> {
    await this.browser.close();
    await this.sources.disconnect();
    await Promise.all([this.console.stop(), this.erp.stop(), this.sync.stop()]);
  }
}
