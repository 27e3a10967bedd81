// The initial load pulling Tryton's parties over JSON-RPC (`--from tryton`), through the production
// command: 1,000 parties into 1,000 canonical customers cross-referenced by their party codes, and a
// pull killed after its first pages and resumed, every party loaded exactly once. Real Tryton
// (deploy/real-systems.sh) and PostgreSQL; the Tryton database is shared with other runs, so each
// run's parties carry codes of their own and the pull selects them with --code-like.
import type { TrytonClient } from '@switchboard/connectors';

import { load, reportOf, type CliResult } from '../customer-sync/initial-load-cli';
import { SyncDb, provisionCustomerSync, runId } from '../customer-sync/support';
import { faultEnv } from '../support/faults';
import { realSystemsEnv, trytonReader } from './support';

jest.setTimeout(180_000);

/** A German VAT number with its ISO 7064 MOD 11,10 check digit: Tryton refuses a wrong one. */
function germanVat(base: number): string {
  const digits = String(base);
  const checksum = (text: string): number => {
    let check = 5;
    for (const digit of text) check = ((((check || 10) * 2) % 11) + Number(digit)) % 10;
    return check;
  };
  const last = [...Array(10).keys()].find((digit) => checksum(`${digits}${digit}`) === 1)!;
  return `DE${digits}${last}`;
}

describe('initial load pulled from Tryton', () => {
  const env = realSystemsEnv();
  const tryton: TrytonClient = trytonReader(env);
  const run = runId().toUpperCase();
  // Eight digits of this run's own: customer-sync matches accounts by VAT number across all runs.
  const vatBase = 10_000_000 + Math.floor(Math.random() * 8_000) * 10_000;
  let vatOffset = 0;
  let country: number;
  let db: SyncDb;
  const created: number[] = [];

  const pull = (
    codeLike: string,
    extraArgs: string[],
    extraEnv: NodeJS.ProcessEnv = {},
  ): Promise<CliResult> =>
    load(['--from', 'tryton', '--code-like', codeLike, '--no-publish', ...extraArgs], {
      TRYTON_URL: env.TRYTON_URL,
      TRYTON_DATABASE: env.TRYTON_DATABASE,
      TRYTON_USER: env.TRYTON_USER,
      TRYTON_PASSWORD: env.TRYTON_PASSWORD,
      ...extraEnv,
    });

  /** `count` parties coded `<prefix>-<n>`, a few hundred per `party.party.create` call; their ids. */
  async function createParties(prefix: string, from: number, count: number): Promise<number[]> {
    const ids: number[] = [];
    for (let start = from; start < from + count; start += 250) {
      const values = [];
      for (let i = start; i < Math.min(from + count, start + 250); i++) {
        vatOffset += 1;
        values.push({
          code: `${prefix}-${String(i).padStart(5, '0')}`,
          name: `Tryton Kunde ${i} ${prefix}`,
          contact_mechanisms: [
            [
              'create',
              [
                { type: 'email', value: `ap.${i}@${prefix.toLowerCase()}.example` },
                { type: 'phone', value: `+49 30 ${1_000_000 + i}` },
              ],
            ],
          ],
          identifiers: [['create', [{ type: 'eu_vat', code: germanVat(vatBase + vatOffset) }]]],
          addresses: [
            ['create', [{ street: `Hauptstraße ${i}`, city: 'Berlin', postal_code: '10115', country }]],
          ],
        });
      }
      ids.push(...(await tryton.model<number[]>('party.party', 'create', values)));
    }
    created.push(...ids);
    return ids;
  }

  /** The Tryton party codes the canonical store cross-references for this pattern, one row each. */
  const loadedCodes = async (prefix: string): Promise<string[]> =>
    (
      await db.rows<{ external_id: string }>(
        `SELECT external_id FROM customer_sync.customer_xref
         WHERE system = 'erp' AND entity = 'account' AND external_id LIKE $1 ORDER BY external_id`,
        [`${prefix}-%`],
      )
    ).map((row) => row.external_id);

  const customersOf = (prefix: string): Promise<number> =>
    db.count(
      `SELECT count(DISTINCT customer_id) FROM customer_sync.customer_xref WHERE system = 'erp' AND external_id LIKE $1`,
      [`${prefix}-%`],
    );

  /** The codes of these parties as Tryton holds them, in code order. */
  const codesOf = async (ids: number[]): Promise<string[]> =>
    (await tryton.model<Array<{ code: string }>>('party.party', 'read', ids, ['code']))
      .map((party) => party.code)
      .sort();

  const failureOf = (result: CliResult) => ({
    code: result.code,
    stderrTail: result.code === 0 ? '' : result.stderr.slice(-3000),
  });

  beforeAll(async () => {
    await provisionCustomerSync();
    db = new SyncDb();
    // Tryton ships without countries (docs/real-systems.md); the address needs one for the contract.
    const [germany] = await tryton.model<number[]>('country.country', 'search', [['code', '=', 'DE']]);
    country =
      germany ??
      (await tryton.model<number[]>('country.country', 'create', [{ name: 'Germany', code: 'DE' }]))[0];
  });

  afterAll(async () => {
    // Both stores are shared with other runs: remove this run's customers and parties again.
    if (db) {
      const ids = (
        await db.rows<{ customer_id: string }>(
          `SELECT DISTINCT customer_id FROM customer_sync.customer_xref WHERE system = 'erp' AND external_id LIKE ANY($1)`,
          [[`TP${run}-%`, `TR${run}-%`]],
        )
      ).map((row) => row.customer_id);
      await db.rows(`DELETE FROM customer_sync.customer_audit WHERE customer_id = ANY($1::uuid[])`, [ids]);
      await db.rows(`DELETE FROM customer_sync.customer_xref WHERE customer_id = ANY($1::uuid[])`, [ids]);
      await db.rows(`DELETE FROM customer_sync.customer WHERE id = ANY($1::uuid[])`, [ids]);
      await db.close();
    }
    if (created.length > 0) await tryton.model('party.party', 'delete', created);
  });

  it('loads 1,000 parties into 1,000 canonical customers cross-referenced by their party codes', async () => {
    const prefix = `TP${run}`;
    const ids = await createParties(prefix, 0, 1000);
    // The default batch size: one page, one transaction, as an operator runs it.
    const result = await pull(`${prefix}-%`, []);
    expect(failureOf(result)).toEqual({ code: 0, stderrTail: '' });
    expect(reportOf(result)).toMatchObject({
      kind: 'initial_load',
      file: `tryton:${env.TRYTON_URL}/${env.TRYTON_DATABASE}?code=${prefix}-%`,
      system: 'erp',
      records: 1000,
      resumedAfterRecord: null,
      counts: { created: 1000, updated: 0, unchanged: 0, conflicts: 0, failed: 0, refused: 0 },
    });
    // One cross-reference per party, to exactly the parties Tryton holds (by code, as the poller keys them).
    expect(await loadedCodes(prefix)).toEqual(await codesOf(ids));
    expect(await customersOf(prefix)).toBe(1000);

    const [party] = await tryton.model<Array<{ code: string }>>('party.party', 'read', [ids[42]], ['code']);
    const customer = await db.customerIdByRef('erp', 'account', party.code);
    const [stored] = await db.rows<{ data: Record<string, unknown> }>(
      `SELECT data FROM customer_sync.customer WHERE id = $1`,
      [customer],
    );
    expect(stored.data).toEqual({
      name: `Tryton Kunde 42 ${prefix}`,
      email: `ap.42@${prefix.toLowerCase()}.example`,
      phone: expect.stringMatching(/1\s*000\s*042$/),
      vatNumber: expect.stringMatching(/^DE\d{9}$/),
      billingAddress: { line1: 'Hauptstraße 42', city: 'Berlin', postalCode: '10115', country: 'DE' },
    });
  });

  it('resumes a pull killed after its first pages: every party exactly once, parties created meanwhile too', async () => {
    const prefix = `TR${run}`;
    const ids = await createParties(prefix, 0, 120);
    // Killed (SIGKILL) right after its 2nd committed page of 40.
    const killed = await pull(`${prefix}-%`, ['--batch-size', '40'], faultEnv({ loadKillAfterBatches: 2 }));
    expect(killed.signal).toBe('SIGKILL');
    expect(await loadedCodes(prefix)).toEqual((await codesOf(ids)).slice(0, 80));

    // New parties while the load is down: higher ids, read when their page comes.
    const later = await createParties(prefix, 120, 10);
    const resumed = await pull(`${prefix}-%`, ['--batch-size', '40']);
    expect(failureOf(resumed)).toEqual({ code: 0, stderrTail: '' });
    expect(resumed.stderr).toMatch(new RegExp(`resuming load-\\S+ after record 80 \\(party id ${ids[79]},`));
    expect(reportOf(resumed)).toMatchObject({
      records: 130,
      resumedAfterRecord: 80,
      counts: { created: 130, updated: 0, unchanged: 0, conflicts: 0, failed: 0, refused: 0 },
    });
    expect(await loadedCodes(prefix)).toEqual(await codesOf([...ids, ...later]));
    expect(await customersOf(prefix)).toBe(130);
  });
});
