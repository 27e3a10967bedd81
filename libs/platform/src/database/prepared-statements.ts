import { Client, type QueryConfig } from 'pg';

/**
 * Distinct statement texts that get a name. Past it a new text runs unnamed, as before: SQL built
 * with a varying number of placeholders (an `IN (...)` list) must not fill the server's memory.
 */
export const MAX_NAMED_STATEMENTS = 500;

/** Statement text -> name, the same on every connection of the process. */
const names = new Map<string, string>();

/** The name of a statement text, or undefined once the process has named as many as it may. */
export function statementName(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED_STATEMENTS) {
    name = `sb_${names.size + 1}`;
    names.set(text, name);
  }
  return name;
}

/** The server refuses a prepared statement whose result columns a migration changed meanwhile. */
const CACHED_PLAN_CHANGED = '0A000';

/**
 * A pg client that runs every statement with parameters as a named prepared statement: the server
 * parses and plans it once per connection, and then only binds and executes it. The transport's
 * and the handlers' statements are a few texts run thousands of times a second, and parsing and
 * planning them was about two thirds of what PostgreSQL spent on each (pgbench of the inbox's start
 * statement on this machine: 0.228 ms per execution unnamed, 0.074 ms prepared).
 *
 * The server keeps a statement's plan until its connection closes, and re-plans on its own when a
 * table it reads changes. One case it refuses: a migration that changes the columns a prepared
 * statement returns. That statement then fails once, and is prepared under a new name next time.
 * A pooler in transaction mode (PgBouncer before 1.21) cannot keep prepared statements:
 * `DATABASE_PREPARED_STATEMENTS=false` turns this off.
 */
export class PreparingClient extends Client {
  /** Texts this connection must prepare under another name: their first one went stale. */
  readonly renamed = new Map<string, string>();
}

type Callback = (error: Error | null, result: unknown) => void;
type Query = (this: Client, ...args: unknown[]) => unknown;

// pg's own overloads stay the public type: text and values, a config object or a submittable, each
// with a promise or a callback. Only text with values is named.
PreparingClient.prototype.query = function (this: PreparingClient, ...args: unknown[]): unknown {
  // pg's own query, looked up at each call: instrumentation (OpenTelemetry's) wraps it in place.
  const query = Reflect.get(Client.prototype, 'query') as Query;
  const [text, values, callback] = args;
  if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0)
    return query.apply(this, args);
  const name = this.renamed.get(text) ?? statementName(text);
  if (name === undefined) return query.apply(this, args);
  const named: QueryConfig = { text, name };
  if (typeof callback === 'function') {
    return query.call(this, named, values, (error: Error | null, result: unknown) => {
      forgetIfStale(this, text, name, error);
      (callback as Callback)(error, result);
    });
  }
  return (query.call(this, named, values) as Promise<unknown>).catch((error: unknown) => {
    forgetIfStale(this, text, name, error);
    throw error;
  });
} as Client['query'];

function forgetIfStale(client: PreparingClient, text: string, name: string, error: unknown): void {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code !== CACHED_PLAN_CHANGED || !message?.includes('cached plan')) return;
  client.renamed.set(text, `${name}_${client.renamed.size + 1}`);
}
