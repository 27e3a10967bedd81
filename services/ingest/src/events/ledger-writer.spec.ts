import type { DataSource } from 'typeorm';

import { exampleCloudEvent } from '@switchboard/contracts';
import { OutboxWriter } from '@switchboard/outbox';

import { LedgerWriter, type LedgerEntry } from './ledger-writer';

/**
 * A stand-in for PostgreSQL that answers the group-commit statement as the database would: a
 * ledger row is new unless its id was written before. Statements stay open until `release`.
 */
class FakeLedger {
  readonly statements: string[][] = [];
  readonly rows = new Set<string>();
  /** Ids whose statement fails, as a constraint the database refuses would. */
  readonly refused = new Set<string>();
  private readonly open: Array<() => void> = [];

  readonly dataSource = {
    manager: {
      dataSource: { subscribers: [] },
      query: async (_sql: string, params: unknown[]) => {
        const ids = params[0] as string[];
        this.statements.push(ids);
        await new Promise<void>((resolve) => this.open.push(resolve));
        if (ids.some((id) => this.refused.has(id))) throw new Error('refused');
        const fresh = ids.filter((id) => !this.rows.has(id));
        for (const id of fresh) this.rows.add(id);
        return [{ guarded: fresh, inserted: 0 }];
      },
    },
  } as unknown as DataSource;

  /** Lets every open statement answer, until none is left open. */
  async release(): Promise<void> {
    for (let rounds = 0; rounds < 100; rounds += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.open.length === 0) continue;
      for (const resolve of this.open.splice(0)) resolve();
    }
  }
}

const entry = (id: string): LedgerEntry => ({
  id,
  source: 'crm',
  sourceEventId: `S-${id}`,
  bodySha256: 'sha',
  event: { ...exampleCloudEvent('deal_won'), id },
});

describe('LedgerWriter', () => {
  it('writes requests that overlap in one statement, and tells each whether its row was new', async () => {
    const db = new FakeLedger();
    db.rows.add('id-5');
    const writer = new LedgerWriter(db.dataSource, new OutboxWriter('ingest'));

    const results = Array.from({ length: 10 }, (_, at) => writer.write(entry(`id-${at}`)));
    await db.release();

    // Three alone (nothing to wait for), then the seven that arrived meanwhile together.
    expect(db.statements.map((ids) => ids.length)).toEqual([1, 1, 1, 7]);
    expect(await Promise.all(results)).toEqual([true, true, true, true, true, false, true, true, true, true]);
  });

  it('never puts two requests with the same id in one statement: the second sees the first row', async () => {
    const db = new FakeLedger();
    const writer = new LedgerWriter(db.dataSource, new OutboxWriter('ingest'));

    const ids = ['a', 'b', 'c', 'd', 'd', 'e'];
    const results = ids.map((id) => writer.write(entry(id)));
    await db.release();

    for (const statement of db.statements) expect(new Set(statement).size).toBe(statement.length);
    expect(await Promise.all(results)).toEqual([true, true, true, true, false, true]);
  });

  it('tries a failed statement again one request at a time: only the refused request fails', async () => {
    const db = new FakeLedger();
    db.refused.add('bad');
    const writer = new LedgerWriter(db.dataSource, new OutboxWriter('ingest'));

    const results = ['a', 'b', 'c', 'd', 'bad', 'e'].map((id) =>
      writer.write(entry(id)).catch(() => 'failed'),
    );
    await db.release();

    expect(await Promise.all(results)).toEqual([true, true, true, true, 'failed', true]);
    expect(db.statements).toContainEqual(['bad']);
  });
});
