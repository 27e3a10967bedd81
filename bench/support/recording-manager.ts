import type { EntityManager } from 'typeorm';

export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * An EntityManager that runs nothing: it records every statement and answers it with `reply`, so
 * the code that writes rows (the outbox writer, ingest's accept) can be asked which SQL it sends.
 * The wake-up the outbox writer sends after a write goes to a data source without subscribers
 * whose queries do nothing.
 */
export function recordingManager(reply: (statement: Statement) => unknown[]): {
  manager: EntityManager;
  statements: Statement[];
} {
  const statements: Statement[] = [];
  const manager = {
    query: (sql: string, params: unknown[] = []) => {
      const statement = { sql, params };
      statements.push(statement);
      return Promise.resolve(reply(statement));
    },
    dataSource: { subscribers: [], query: () => Promise.resolve([]) },
  };
  return { manager: manager as unknown as EntityManager, statements };
}
