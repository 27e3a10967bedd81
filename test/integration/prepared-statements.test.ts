// The services' connections run statements with parameters as named prepared statements
// (PreparingClient): the server parses and plans each once per connection. Real PostgreSQL.
import { PreparingClient } from '@switchboard/platform';

import { databaseUrl, uniqueName } from '../support/stack';

describe('PreparingClient', () => {
  const table = uniqueName('prepared').replace(/-/g, '_');
  let client: PreparingClient;

  beforeAll(async () => {
    client = new PreparingClient({ connectionString: databaseUrl() });
    await client.connect();
    await client.query(`CREATE TABLE ${table} (a int)`);
    await client.query(`INSERT INTO ${table} VALUES (1)`);
  });

  afterAll(async () => {
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.end();
  });

  const prepared = async () =>
    (await client.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements')).rows.map(
      (row) => row.statement,
    );

  it('prepares a statement with parameters once and runs it again by name; one without runs as it is', async () => {
    const text = `SELECT a + $1::int AS n FROM ${table}`;
    expect((await client.query(text, [1])).rows).toEqual([{ n: 2 }]);
    expect((await client.query(text, [2])).rows).toEqual([{ n: 3 }]);
    const statements = await prepared();
    expect(statements.filter((statement) => statement === text)).toHaveLength(1);
    expect(statements).not.toContain('SELECT statement FROM pg_prepared_statements');
  });

  it('prepares a statement again, under a new name, once a migration changed the columns it returns', async () => {
    const text = `SELECT * FROM ${table} WHERE a = $1`;
    expect((await client.query(text, [1])).rows).toEqual([{ a: 1 }]);
    await client.query(`ALTER TABLE ${table} ADD COLUMN b int`);
    // The server refuses the stale plan once; the next call prepares the new shape.
    await expect(client.query(text, [1])).rejects.toThrow(/cached plan must not change result type/);
    expect((await client.query(text, [1])).rows).toEqual([{ a: 1, b: null }]);
    expect((await prepared()).filter((statement) => statement === text)).toHaveLength(2);
  });
});
