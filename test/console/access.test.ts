// The console's front door, in a real browser: local accounts, the session cookie, CSRF on every
// state-changing request, roles in the navigation, the OIDC proxy's headers only from the proxy,
// every sign-in audited with the user's name, and failed sign-ins limited per address and per name.
import { request } from 'node:http';

import type { Browser } from 'playwright-core';

import type { ServiceProcess } from '@switchboard/testing';

import { TestDatabase } from '../support/db';
import {
  CONSOLE_URL,
  USERS,
  checkPage,
  consoleProcess,
  launchBrowser,
  provisionConsole,
  signIn,
} from './support';

jest.setTimeout(120_000);

/** POST /login from a loopback address of the test's choice: the limit counts per client address. */
function signInFrom(
  localAddress: string,
  name: string,
  password: string,
): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  const form = new URLSearchParams({ name, password }).toString();
  return new Promise((resolve, reject) => {
    const post = request(
      `${CONSOLE_URL}/login`,
      {
        method: 'POST',
        localAddress,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(form),
        },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'], body }),
        );
      },
    );
    post.on('error', reject);
    post.end(form);
  });
}

describe('console access', () => {
  let service: ServiceProcess;
  let browser: Browser;
  const db = new TestDatabase();

  beforeAll(async () => {
    await provisionConsole();
    service = consoleProcess('console-access');
    service.start();
    [browser] = await Promise.all([launchBrowser(), service.waitReady()]);
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await db.close();
  });

  const auditOf = (actor: string) =>
    db.rows<{ action: string; outcome: string }>(
      `SELECT action, outcome FROM console.console_audit WHERE actor = $1 ORDER BY seq`,
      [actor],
    );

  it('a page without a session sends the browser to sign in; a wrong password is refused and audited', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${CONSOLE_URL}/audit`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await checkPage(page, 'sign-in');
    const before = (await auditOf(USERS.viewer)).length;
    await signIn(page, USERS.viewer, 'not-the-password');
    expect(await page.getByRole('alert').textContent()).toBe('Unknown name or wrong password.');
    expect((await auditOf(USERS.viewer)).slice(before)).toEqual([
      { action: 'sign-in-refused', outcome: 'refused' },
    ]);
    await context.close();
  });

  it('signed in: the session cookie is HttpOnly and SameSite=Strict, the navigation follows the roles', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${CONSOLE_URL}/audit`);
    await signIn(page, USERS.operator);
    // Back where the browser wanted to go.
    expect(new URL(page.url()).pathname).toBe('/audit');
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'sb_console', httpOnly: true, sameSite: 'Strict' });
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Dead letters' }).count()).resolves.toBe(1);
    await checkPage(page, 'audit');
    await page.goto(`${CONSOLE_URL}/`);
    await checkPage(page, 'start');

    const sales = await browser.newContext();
    const salesPage = await sales.newPage();
    await signIn(salesPage, USERS.sales);
    const salesNav = salesPage.getByRole('navigation', { name: 'Main' });
    await expect(salesNav.getByRole('link').allTextContents()).resolves.toEqual(
      expect.arrayContaining(['Customers']),
    );
    await expect(salesNav.getByRole('link', { name: 'Review queue' }).count()).resolves.toBe(0);
    const refused = await salesPage.goto(`${CONSOLE_URL}/audit`);
    expect(refused?.status()).toBe(403);
    await sales.close();
    await context.close();
  });

  it('a state-changing request without the session CSRF token is refused; with it, it goes through', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, USERS.steward);
    // The session cookie rides along (same context), the token does not: a forged cross-site post.
    const forged = await context.request.post(`${CONSOLE_URL}/logout`, {
      form: { _csrf: 'forged' },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    await page.goto(`${CONSOLE_URL}/`);
    const before = (await auditOf(USERS.steward)).length;
    await page.getByRole('button', { name: `Sign out ${USERS.steward}` }).click();
    expect(new URL(page.url()).pathname).toBe('/login');
    expect((await auditOf(USERS.steward)).slice(before)).toEqual([{ action: 'sign-out', outcome: 'ok' }]);
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });

  // It leaves the operator's name and 127.0.0.2 locked: no later test of this process signs in with them.
  it('five failed sign-ins lock the name and the address (429, audited); the right password waits too', async () => {
    const attacker = '127.0.0.2';
    const operatorBefore = (await auditOf(USERS.operator)).length;
    const viewerBefore = (await auditOf(USERS.viewer)).length;
    for (let guess = 0; guess < 5; guess++) {
      await expect(signInFrom(attacker, USERS.operator, `guess-${guess}`)).resolves.toMatchObject({
        status: 401,
      });
    }
    const right = await signInFrom(attacker, USERS.operator, `${USERS.operator}-change-me`);
    expect(right.status).toBe(429);
    expect(Number(right.retryAfter)).toBeGreaterThan(14 * 60);
    expect(right.body).toContain(
      '<p class="notice error" role="alert">Too many failed sign-ins for this name. Try again in 15 minutes.</p>',
    );
    // The name is locked from any address...
    await expect(
      signInFrom('127.0.0.3', USERS.operator, `${USERS.operator}-change-me`),
    ).resolves.toMatchObject({ status: 429 });
    // ...the address for any name, and anyone else signs in.
    const fromAttacker = await signInFrom(attacker, USERS.viewer, `${USERS.viewer}-change-me`);
    expect(fromAttacker.status).toBe(429);
    expect(fromAttacker.body).toContain('Too many failed sign-ins from this address.');
    await expect(signInFrom('127.0.0.3', USERS.viewer, `${USERS.viewer}-change-me`)).resolves.toMatchObject({
      status: 303,
    });

    expect((await auditOf(USERS.operator)).slice(operatorBefore)).toEqual([
      ...Array.from({ length: 5 }, () => ({ action: 'sign-in-refused', outcome: 'refused' })),
      { action: 'sign-in-throttled', outcome: 'refused' },
      { action: 'sign-in-throttled', outcome: 'refused' },
    ]);
    expect((await auditOf(USERS.viewer)).slice(viewerBefore)).toEqual([
      { action: 'sign-in-throttled', outcome: 'refused' },
      { action: 'sign-in', outcome: 'ok' },
    ]);
  });

  it('a forged or altered session cookie signs no one in', async () => {
    const context = await browser.newContext();
    await context.addCookies([
      { name: 'sb_console', value: 'eyJuIjoiZXZlIn0.c2lnbmF0dXJl', url: CONSOLE_URL },
    ]);
    const page = await context.newPage();
    await page.goto(`${CONSOLE_URL}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await context.close();
  });
});

describe('console behind an OIDC proxy', () => {
  const identity = { 'x-forwarded-user': 'olivia@example.com', 'x-forwarded-groups': 'viewer,unknown-group' };

  it('trusts the identity headers only from the configured proxy address', async () => {
    const trusting = consoleProcess('console-proxy', {
      CONSOLE_PROXY_AUTH: 'true',
      CONSOLE_PROXY_ADDRESSES: '127.0.0.1',
    });
    trusting.start();
    try {
      await trusting.waitReady();
      const page = await fetch(`${CONSOLE_URL}/`, { headers: identity, redirect: 'manual' });
      expect(page.status).toBe(200);
      await expect(page.text()).resolves.toContain(
        'Signed in as <strong>olivia@example.com</strong>, roles: viewer.',
      );
    } finally {
      await trusting.stop();
    }
    // The same headers from an address that is not the proxy's: ignored, sign in first.
    const elsewhere = consoleProcess('console-proxy', {
      CONSOLE_PROXY_AUTH: 'true',
      CONSOLE_PROXY_ADDRESSES: '10.9.9.9',
    });
    elsewhere.start();
    try {
      await elsewhere.waitReady();
      const page = await fetch(`${CONSOLE_URL}/`, { headers: identity, redirect: 'manual' });
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toBe('/login?next=%2F');
    } finally {
      await elsewhere.stop();
    }
  });
});
