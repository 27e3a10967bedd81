// Against the real database and real HTTP servers: the sync-report webhook is
// signed like ingest's callers sign theirs, never follows a redirect, and holds no row lock while
// it calls the receiver.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Client } from 'pg';
import { DataSource } from 'typeorm';

import { validateEnv } from '@switchboard/platform';

import { CustomerSyncEnv } from '../../services/customer-sync/src/config/customer-sync.env';
import {
  REPORT_SIGNATURE_HEADER,
  REPORT_TIMESTAMP_HEADER,
  reportSignature,
  sendReports,
} from '../../services/customer-sync/src/reports/webhook';
import { provisionCustomerSync } from '../customer-sync/support';
import { databaseUrl } from '../support/stack';

jest.setTimeout(120_000);

const SECRET = 'report-secret-sec17-0123456789abcdef';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void | Promise<void>;

async function listen(handler: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => void handler(request, body, response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/reports`, server };
}

describe('the sync-report webhook', () => {
  let dataSource: DataSource;
  let sql: Client;
  const servers: Server[] = [];
  const logger = { warn: () => undefined };

  beforeAll(async () => {
    await provisionCustomerSync();
    dataSource = new DataSource({
      type: 'postgres',
      url: databaseUrl(),
      schema: 'customer_sync',
      extra: { max: 4 },
    });
    await dataSource.initialize();
    await dataSource.query('SET search_path TO customer_sync');
    sql = new Client({ connectionString: databaseUrl() });
    await sql.connect();
  });

  afterAll(async () => {
    // This suite's rows must not be delivered by another suite's customer-sync later.
    await sql?.query(`DELETE FROM customer_sync.sync_report WHERE id LIKE 'sec17:%'`);
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await sql?.end();
    await dataSource?.destroy();
  });

  const report = async () => {
    const id = `sec17:${randomUUID()}`;
    await sql.query(
      `INSERT INTO customer_sync.sync_report (id, kind, window_start, window_end, report)
       VALUES ($1, 'incremental', now(), now(), $2::jsonb)`,
      // A report body of its own kind: another suite's webhook may receive it before it is deleted.
      [id, JSON.stringify({ kind: 'security-test', id, counts: { created: 1 } })],
    );
    return id;
  };
  const row = async (id: string) =>
    (
      await sql.query<{ sent_at: Date | null; last_error: string | null; lease_until: Date | null }>(
        'SELECT sent_at, last_error, lease_until FROM customer_sync.sync_report WHERE id = $1',
        [id],
      )
    ).rows[0];

  it('signs each report: HMAC-SHA256 over timestamp and body, checkable by the receiver', async () => {
    const id = await report();
    const seen: Array<{ valid: boolean }> = [];
    const { url, server } = await listen((request, body, response) => {
      const timestamp = String(request.headers[REPORT_TIMESTAMP_HEADER]);
      if (request.headers['x-switchboard-report-id'] === id) {
        seen.push({
          valid: request.headers[REPORT_SIGNATURE_HEADER] === reportSignature(SECRET, timestamp, body),
        });
      }
      response.writeHead(204).end();
    });
    servers.push(server);
    await sendReports(dataSource, { url, secret: SECRET }, logger, 1000);
    expect(seen).toEqual([{ valid: true }]);
    expect((await row(id)).sent_at).not.toBeNull();
  });

  it('refuses a redirect: the report is not sent on, the failure is kept and retried later', async () => {
    const id = await report();
    let elsewhere = 0;
    const target = await listen((_request, _body, response) => {
      elsewhere += 1;
      response.writeHead(204).end();
    });
    const redirecting = await listen((_request, _body, response) => {
      response.writeHead(307, { location: target.url }).end();
    });
    servers.push(target.server, redirecting.server);
    await sendReports(dataSource, { url: redirecting.url, secret: SECRET }, logger, 1000);
    expect(elsewhere).toBe(0);
    expect(await row(id)).toMatchObject({ sent_at: null, last_error: expect.stringContaining('redirect') });
  });

  it('holds no row lock while calling the receiver (the call is outside the transaction)', async () => {
    const id = await report();
    let lockable: boolean | null = null;
    const { url, server } = await listen(async (request, _body, response) => {
      if (request.headers['x-switchboard-report-id'] === id) {
        const probe = new Client({ connectionString: databaseUrl() });
        await probe.connect();
        try {
          await probe.query('BEGIN');
          await probe.query("SET LOCAL lock_timeout = '500ms'");
          await probe.query('SELECT 1 FROM customer_sync.sync_report WHERE id = $1 FOR UPDATE', [id]);
          lockable = true;
        } catch {
          lockable = false;
        } finally {
          await probe.query('ROLLBACK').catch(() => undefined);
          await probe.end();
        }
      }
      response.writeHead(204).end();
    });
    servers.push(server);
    await sendReports(dataSource, { url, secret: SECRET }, logger, 1000);
    expect(lockable).toBe(true);
    expect(await row(id)).toMatchObject({ lease_until: null, last_error: null });
    expect((await row(id)).sent_at).not.toBeNull();
  });

  it('boot refuses a webhook URL without a signing secret, and plain http in production', () => {
    const validate = validateEnv(CustomerSyncEnv);
    const base = { CUSTOMER_SYNC_API_TOKENS: 'a:viewer:token-0123456789abcdefghijklmn' };
    expect(() => validate({ ...base, CUSTOMER_SYNC_REPORT_WEBHOOK_URL: 'http://r.example/x' })).toThrow(
      /CUSTOMER_SYNC_REPORT_WEBHOOK_SECRET: is required/,
    );
    expect(() =>
      validate({
        ...base,
        CUSTOMER_SYNC_REPORT_WEBHOOK_URL: 'http://r.example/x',
        CUSTOMER_SYNC_REPORT_WEBHOOK_SECRET: SECRET,
      }),
    ).not.toThrow();
    expect(() =>
      validate({
        ...base,
        NODE_ENV: 'production',
        CUSTOMER_SYNC_REPORT_WEBHOOK_URL: 'http://r.example/x',
        CUSTOMER_SYNC_REPORT_WEBHOOK_SECRET: SECRET,
      }),
    ).toThrow(/https URL when NODE_ENV=production/);
  });
});
