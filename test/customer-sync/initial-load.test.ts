/* eslint-disable @typescript-eslint/no-explicit-any -- reports are untyped JSON here */
// The initial load command against the real database: 100,000 customers interrupted by a crash and
// resumed (exactly 100,000 canonical customers), and a small CSV with the awkward cases.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { faultEnv } from '../support/faults';
import { writeNdjsonExport } from './export-file';
import { load, reportOf } from './initial-load-cli';
import { SYNC_PORT, SyncDb, provisionCustomerSync, runId } from './support';

jest.setTimeout(300_000);

const WEBHOOK_PORT = SYNC_PORT + 2;

describe('initial load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'customer-sync-load-'));
  const run = runId();
  let db: SyncDb;
  let webhook: Server;
  const received: any[] = [];

  beforeAll(async () => {
    webhook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push(JSON.parse(body));
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(WEBHOOK_PORT, '127.0.0.1', resolve));
    await provisionCustomerSync();
    db = new SyncDb();
  });

  afterAll(async () => {
    // The test database is shared by every run: remove this run's customers again (by id, all indexed).
    const ids = (
      await db.rows<{ customer_id: string }>(
        `SELECT DISTINCT customer_id FROM customer_sync.customer_xref WHERE system = 'erp' AND external_id LIKE $1`,
        [`L${run}-%`],
      )
    ).map((row) => row.customer_id);
    await db.rows(`DELETE FROM customer_sync.customer_audit WHERE customer_id = ANY($1::uuid[])`, [ids]);
    await db.rows(`DELETE FROM customer_sync.customer_xref WHERE customer_id = ANY($1::uuid[])`, [ids]);
    await db.rows(`DELETE FROM customer_sync.customer WHERE id = ANY($1::uuid[])`, [ids]);
    await db?.close();
    await new Promise((resolve) => webhook?.close(resolve));
  });

  it('loads 100,000 customers, interrupted by a crash and resumed, into exactly 100,000 canonical customers', async () => {
    const file = join(dir, 'customers-100k.ndjson');
    await writeNdjsonExport(file, `L${run}`, 100_000);
    const started = Date.now();
    // Killed (SIGKILL) right after its 8th committed batch of 5,000.
    const crashed = await load(
      [file, '--no-publish', '--batch-size', '5000'],
      faultEnv({ loadKillAfterBatches: 8 }),
    );
    expect(crashed.signal).toBe('SIGKILL');
    const countLoaded = () =>
      db.count(
        `SELECT count(DISTINCT customer_id) FROM customer_sync.customer_xref WHERE system = 'erp' AND external_id LIKE $1`,
        [`L${run}-%`],
      );
    expect(await countLoaded()).toBe(40_000);

    const resumed = await load([file, '--no-publish', '--batch-size', '5000']);
    // The CLI's own words on failure, so a red run says why.
    expect({ code: resumed.code, stderrTail: resumed.code === 0 ? '' : resumed.stderr.slice(-3000) }).toEqual(
      {
        code: 0,
        stderrTail: '',
      },
    );
    expect(resumed.stderr).toMatch(/resuming load-\S+ after record 40000/);
    expect(resumed.stderr).toMatch(/\[#{30}\] 100\.0% 100,000 records/); // the progress bar's last line
    const report = reportOf(resumed);
    expect(report).toMatchObject({
      kind: 'initial_load',
      records: 100_000,
      resumedAfterRecord: 40_000,
      counts: { created: 100_000, updated: 0, unchanged: 0, conflicts: 0, failed: 0 },
    });
    expect(await countLoaded()).toBe(100_000);
    expect(
      await db.count(
        `SELECT count(*) FROM customer_sync.customer_xref WHERE system = 'erp' AND external_id LIKE $1`,
        [`L${run}-%`],
      ),
    ).toBe(100_000);
    expect(
      await db.count(`SELECT count(*) FROM customer_sync.customer WHERE email_key LIKE $1`, [
        `billing.%@l${run.toLowerCase()}.example`,
      ]),
    ).toBe(100_000);
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `initial load of 100,000 (crash + resume): ${seconds.toFixed(1)} s, report ${report.recordsPerSecond}/s, peak RSS ${report.peakRssMb} MB\n`,
    );
    expect(received.some((r) => r.id === report.id)).toBe(false); // no webhook configured for this run

    // The same file again: nothing to do, the same report.
    const again = await load([file, '--no-publish']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/was loaded completely/);
    expect(reportOf(again).counts).toEqual(report.counts);
  });

  it('CSV: matching, unchanged records, refused rows with their reason, dates in several formats, events for the receivers, report to the webhook', async () => {
    const p = `CSV${run}`;
    const file = join(dir, 'customers.csv');
    const rows = [
      'externalId,changedAt,name,email,vatNumber,billingAddress.line1,billingAddress.city,billingAddress.country,paymentTerms,notes',
      `${p}-1,2025-03-15T10:00:00+01:00,"Alpha, Beta & Co",alpha@${p}.example,IT${p}1,Via Roma 1,Milano,IT,NET30,`,
      `${p}-2,15.03.2025 10:00,"Quote ""Q"" GmbH",q@${p}.example,,Hauptstraße 2,Köln,DE,NET60,"two lines,\nwith a comma"`,
      `${p}-3,1742032800,,empty@${p}.example,,,,,,`,
      `${p}-4,03/04/2025,Ambiguous Date,amb@${p}.example,,,,,,`,
      `${p}-5,2025-03-16,,ALPHA@${p}.example,,,,,NET90,`,
      `${p}-1,2025-03-15T10:00:00+01:00,"Alpha, Beta & Co",alpha@${p}.example,IT${p}1,Via Roma 1,Milano,IT,NET30,`,
    ];
    writeFileSync(file, `${rows.join('\n')}\n`);
    const result = await load([file, '--batch-size', '2'], {
      CUSTOMER_SYNC_REPORT_WEBHOOK_URL: `http://127.0.0.1:${WEBHOOK_PORT}/r`,
    });
    expect(result.code).toBe(0);
    const report = reportOf(result);
    // #5 matches #1 by e-mail: its newer payment terms apply, its e-mail (the CRM's field) is refused;
    // #6 repeats #1 and changes nothing.
    expect(report.counts).toEqual({
      created: 2,
      updated: 1,
      unchanged: 1,
      conflicts: 0,
      failed: 2,
      refused: 1,
    });
    expect(report.failures).toEqual([
      { record: 3, externalId: `${p}-3`, reason: 'a new account needs name (null or empty): refused' },
      {
        record: 4,
        externalId: `${p}-4`,
        reason: expect.stringContaining("is ambiguous (day/month order unknown): '03/04/2025'"),
      },
    ]);
    // (Another run on this machine may deliver its own reports here too: only this one counts.)
    expect(received.filter((r) => r.id === report.id)).toEqual([
      expect.objectContaining({ kind: 'initial_load', counts: report.counts }),
    ]);

    const alpha = await db.customerIdByRef('erp', 'account', `${p}-1`);
    expect(await db.customerIdByRef('erp', 'account', `${p}-5`)).toBe(alpha); // matched by e-mail, not a duplicate
    const [stored] = await db.rows<{ data: Record<string, unknown> }>(
      `SELECT data FROM customer_sync.customer WHERE id = $1`,
      [alpha],
    );
    expect(stored.data).toEqual({
      name: 'Alpha, Beta & Co',
      email: `alpha@${p}.example`,
      // Read through the ERP's mapping of deploy/ownership.yaml, as its live changes are: trimmed, upper case.
      vatNumber: `IT${p}1`.toUpperCase(),
      billingAddress: { city: 'Milano', country: 'IT', line1: 'Via Roma 1' },
      paymentTerms: 'NET90',
    });
    const quote = await db.customerIdByRef('erp', 'account', `${p}-2`);
    const [q] = await db.rows<{ data: Record<string, unknown>; meta: Record<string, { at: number }> }>(
      `SELECT data, meta FROM customer_sync.customer WHERE id = $1`,
      [quote],
    );
    expect(q.data).toMatchObject({ name: 'Quote "Q" GmbH', notes: 'two lines,\nwith a comma' });
    expect(q.data).not.toHaveProperty('vatNumber'); // an empty cell is absent, never "null"
    expect(new Date(q.meta.name.at).toISOString()).toBe('2025-03-15T10:00:00.000Z');

    const synced = await db.synced(alpha!);
    expect(synced.map((s) => s.target).sort()).toEqual(['crm', 'crm', 'marketing', 'support']);
    expect(synced.find((s) => s.target === 'crm')).toMatchObject({
      reason: 'initial_load',
      targetExternalId: null,
      crossReferences: [{ system: 'erp', externalId: `${p}-1` }],
      fields: {
        vatNumber: `IT${p}1`.toUpperCase(),
        paymentTerms: 'NET30',
        billingAddress: { city: 'Milano', country: 'IT', line1: 'Via Roma 1' },
      },
    });
  });

  it('keeps what the live sync keeps: refused changes, the echo memory of what it sent, contacts linked to their accounts', async () => {
    const p = `LNK${run}`;
    const file = join(dir, 'linked.ndjson');
    const lines = [
      {
        externalId: `${p}-A`,
        changedAt: '2025-03-15T10:00:00Z',
        fields: { name: 'Acme', email: `a@${p}.example` },
      },
      {
        entity: 'contact',
        externalId: `${p}-C1`,
        accountExternalId: `${p}-A`,
        fields: { name: 'Carla Uno' },
      },
      // Batch 2: a contact whose account comes later in the file, in batch 3.
      {
        entity: 'contact',
        externalId: `${p}-C2`,
        accountExternalId: `${p}-B`,
        fields: { name: 'Carlo Due' },
      },
      { externalId: `${p}-X`, fields: { name: 'Filler' } },
      { externalId: `${p}-B`, fields: { name: 'Beta', email: `b@${p}.example` } },
      // The ERP may not change an account's e-mail (the CRM owns it): refused, and kept visible.
      { externalId: `${p}-A`, changedAt: '2025-03-16T10:00:00Z', fields: { email: `new@${p}.example` } },
    ];
    writeFileSync(file, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
    const result = await load([file, '--batch-size', '2']);
    expect(result.code).toBe(0);
    expect(reportOf(result).counts).toMatchObject({ created: 5, refused: 1, failed: 0 });

    const [a, b, c1, c2] = await Promise.all(
      [`${p}-A`, `${p}-B`, `${p}-C1`, `${p}-C2`].map((ref, index) =>
        db.customerIdByRef('erp', index < 2 ? 'account' : 'contact', ref),
      ),
    );
    const parents = await db.rows<{ id: string; parent_id: string | null; parent_ref: string | null }>(
      `SELECT id, parent_id, parent_ref FROM customer_sync.customer WHERE id = ANY($1::uuid[])`,
      [[c1, c2]],
    );
    expect(Object.fromEntries(parents.map((row) => [row.id, [row.parent_id, row.parent_ref]]))).toEqual({
      [c1!]: [a, null],
      [c2!]: [b, null],
    });

    expect(
      await db.rows(
        `SELECT system, field, value, reason FROM customer_sync.refused_change WHERE customer_id = $1`,
        [a],
      ),
    ).toEqual([{ system: 'erp', field: 'email', value: `new@${p}.example`, reason: 'not_owner' }]);

    const echoes = await db.rows<{ target: string; field: string }>(
      `SELECT target, field FROM customer_sync.sync_outbound WHERE customer_id = $1 ORDER BY target, field`,
      [a],
    );
    expect(echoes).toEqual(expect.arrayContaining([{ target: 'support', field: 'name' }]));
    const events = await db.synced(a!);
    expect([...new Set(events.map((event) => event.target))].sort()).toEqual(
      [...new Set(echoes.map((echo) => echo.target))].sort(),
    );
  });
});
