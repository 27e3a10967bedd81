import type { DataSource, EntitySubscriberInterface, QueryRunner, TransactionCommitEvent } from 'typeorm';

import { outboxChannel } from './outbox-naming';

/*
 * How a commit that wrote outbox rows wakes the relay, without a NOTIFY inside the business
 * transaction: a transaction that notifies makes PostgreSQL take one database-wide lock at commit
 * and hold it until its commit record is flushed, so all notifying commits of all services would
 * run one at a time.
 *
 * - The active relay is in this process (the common case: one replica, or the leader): it is woken
 *   in memory, for free.
 * - It is elsewhere (this replica is a standby): one NOTIFY is sent after the commit, on its own
 *   connection and transaction, which writes no WAL and so holds that lock for no flush.
 * - Anything else (rows written by hand, a lost notification): the relay's poll.
 */

type LocalWake = () => boolean;

const localRelays = new Map<string, Set<LocalWake>>();
const notifying = new Map<string, 'sending' | 'again'>();

/**
 * A relay of `schema` in this process; `wake` returns whether it is the active one (and was woken).
 * Returns the function that unregisters it.
 */
export function registerLocalRelay(schema: string, wake: LocalWake): () => void {
  const wakes = localRelays.get(schema) ?? new Set<LocalWake>();
  localRelays.set(schema, wakes);
  wakes.add(wake);
  return () => wakes.delete(wake);
}

/** Rows of `schema`'s outbox were committed through `dataSource`. */
export function outboxCommitted(dataSource: DataSource, schema: string): void {
  let woken = false;
  for (const wake of localRelays.get(schema) ?? []) woken = wake() || woken;
  if (!woken) notifyElsewhere(dataSource, schema);
}

/** One NOTIFY in flight per schema; commits meanwhile are covered by one more after it. */
function notifyElsewhere(dataSource: DataSource, schema: string): void {
  if (notifying.has(schema)) {
    notifying.set(schema, 'again');
    return;
  }
  notifying.set(schema, 'sending');
  dataSource
    .query(`SELECT pg_notify($1, '')`, [outboxChannel(schema)])
    .catch(() => undefined) // the relay's poll covers a notification that could not be sent
    .finally(() => {
      const again = notifying.get(schema) === 'again';
      notifying.delete(schema);
      if (again) notifyElsewhere(dataSource, schema);
    });
}

/** The transactions (by query runner) that wrote outbox rows, and to which schemas. */
const pending = new WeakMap<QueryRunner, Set<string>>();
const watched = new WeakSet<DataSource>();

class OutboxCommitSubscriber implements EntitySubscriberInterface {
  afterTransactionCommit(event: TransactionCommitEvent): void {
    // Also called when a nested transaction releases its savepoint: only the real commit counts.
    if (event.queryRunner.isTransactionActive) return;
    const schemas = pending.get(event.queryRunner);
    if (!schemas) return;
    pending.delete(event.queryRunner);
    for (const schema of schemas) outboxCommitted(event.queryRunner.dataSource, schema);
  }

  afterTransactionRollback(event: { queryRunner: QueryRunner }): void {
    if (!event.queryRunner.isTransactionActive) pending.delete(event.queryRunner);
  }
}

/**
 * Called by the writer after it inserted rows: in a transaction, the relay is woken once that
 * transaction has committed; outside one, the rows are committed already.
 */
export function afterOutboxWrite(
  dataSource: DataSource,
  queryRunner: QueryRunner | undefined,
  schema: string,
): void {
  if (!watched.has(dataSource)) {
    watched.add(dataSource);
    dataSource.subscribers.push(new OutboxCommitSubscriber());
  }
  if (!queryRunner?.isTransactionActive) {
    outboxCommitted(dataSource, schema);
    return;
  }
  const schemas = pending.get(queryRunner) ?? new Set<string>();
  pending.set(queryRunner, schemas);
  schemas.add(schema);
}
