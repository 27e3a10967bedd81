import type { EntityManager } from 'typeorm';

import { timeOrderedUuid } from '@switchboard/contracts';
import {
  emailCandidateKey,
  emptySnapshot,
  matchKeysOfChange,
  normalizeChange,
  planBatch,
  refKey,
  type CrossReference,
  type OwnershipConfig,
  type Plan,
  type Rejection,
  type Snapshot,
  type SourceChange,
} from '@switchboard/master-data';
import type { OutboxWriter } from '@switchboard/outbox';

import { CustomerStore, XREF_COLUMNS } from './customer-store';
import { applyPlanSetBased } from './plan-executors';
import { inTargetTerms } from './target-terms';

export interface BatchSyncOptions {
  /** The echo memory read for the batch's system; null: none (a load of the system's own export). */
  echoTtlHours: number | null;
  maxFutureSkewMs: number;
  sendToLinked: boolean;
  publish: boolean;
}

/**
 * Many changes in one transaction: the snapshot they touch read in a few set-based statements,
 * planned in order by `planBatch` (the rules of the live sync), written set-based.
 */
export class BatchSync {
  constructor(
    private readonly config: OwnershipConfig,
    private readonly outbox: OutboxWriter,
    private readonly options: BatchSyncOptions,
  ) {}

  async apply(
    m: EntityManager,
    changes: SourceChange[],
  ): Promise<{ plan: Plan; rejected: Array<{ index: number; rejection: Rejection }> }> {
    const snapshot = await this.loadSnapshot(new CustomerStore(m), changes);
    const result = planBatch(snapshot, this.config, changes, {
      now: Date.now(),
      maxFutureSkewMs: this.options.maxFutureSkewMs,
      newId: () => timeOrderedUuid(),
      sendToLinked: this.options.sendToLinked,
      publish: this.options.publish,
    });
    await applyPlanSetBased(m, inTargetTerms(this.config, result.plan), this.outbox);
    return result;
  }

  /**
   * Under the matching lock: the records' cross-references (theirs, their accounts', a merge's
   * survivor), the candidates of the records not known yet, and those customers (locked) with their
   * cross-references, open reviews and echo memory.
   */
  private async loadSnapshot(store: CustomerStore, changes: SourceChange[]): Promise<Snapshot> {
    const m = store.m;
    const s = emptySnapshot();
    await store.lockMatching();
    const keyed = new Map<string, [string, string, string]>();
    const want = (system: string, entity: string, externalId: string) =>
      keyed.set(refKey(system, entity, externalId), [system, entity, externalId]);
    const ids: string[] = [];
    const accountKeys = new Set<string>();
    for (const change of changes) {
      want(change.system, change.entity, change.externalId);
      if (change.accountExternalId) {
        want(change.system, 'account', change.accountExternalId);
        accountKeys.add(refKey(change.system, 'account', change.accountExternalId));
      }
      if (change.mergedIntoExternalId) want(change.system, change.entity, change.mergedIntoExternalId);
      if (change.targetCustomerId) ids.push(change.targetCustomerId);
      if (change.switchboardCustomerId) ids.push(change.switchboardCustomerId);
    }
    // One index probe per key (`OFFSET 0` keeps the subquery a per-row lookup): a join the planner
    // is free to shape scans the whole table when its statistics lag behind a table growing under a
    // load, and that made each batch slower than the one before.
    const refs: CrossReference[] = await m.query(
      `SELECT x.* FROM unnest($1::text[], $2::text[], $3::text[]) AS k(system, entity, external_id)
       CROSS JOIN LATERAL (SELECT ${XREF_COLUMNS} FROM customer_xref
         WHERE system = k.system AND entity = k.entity AND external_id = k.external_id OFFSET 0) x`,
      [
        [...keyed.values()].map((k) => k[0]),
        [...keyed.values()].map((k) => k[1]),
        [...keyed.values()].map((k) => k[2]),
      ],
    );
    // The accounts named by contacts are read, not locked (unless a change of the batch is theirs).
    const own = new Set(changes.map((change) => refKey(change.system, change.entity, change.externalId)));
    const accounts: string[] = [];
    for (const ref of refs) {
      const key = refKey(ref.system, ref.entity, ref.externalId);
      s.refs.set(key, ref);
      if (accountKeys.has(key) && !own.has(key)) accounts.push(ref.customerId);
      else ids.push(ref.customerId);
    }

    const emails = new Map<string, [string, string]>();
    const vats = new Set<string>();
    for (const change of changes) {
      if (change.deleted || s.refs.has(refKey(change.system, change.entity, change.externalId))) continue;
      const match = matchKeysOfChange(change.entity, normalizeChange(this.config, change).values);
      if (match.email)
        emails.set(emailCandidateKey(change.entity, match.email), [change.entity, match.email]);
      if (match.vat) vats.add(match.vat);
    }
    if (emails.size > 0) {
      const wanted = [...emails.values()];
      const rows: Array<{ id: string; entity: string; email_key: string }> = await m.query(
        `SELECT c.id, c.entity, c.email_key FROM unnest($1::text[], $2::text[]) AS k(entity, email_key)
         CROSS JOIN LATERAL (SELECT id, entity, email_key FROM customer
           WHERE entity = k.entity AND email_key = k.email_key AND status = 'active' OFFSET 0) c
         ORDER BY c.id`,
        [wanted.map((k) => k[0]), wanted.map((k) => k[1])],
      );
      for (const row of rows) {
        const key = emailCandidateKey(row.entity, row.email_key);
        s.byEmail.set(key, [...(s.byEmail.get(key) ?? []), row.id]);
        ids.push(row.id);
      }
    }
    if (vats.size > 0) {
      const rows: Array<{ id: string; vat_key: string }> = await m.query(
        `SELECT id, vat_key FROM customer WHERE entity = 'account' AND status = 'active' AND vat_key = ANY($1::text[]) ORDER BY id`,
        [[...vats]],
      );
      for (const row of rows) {
        s.byVat.set(row.vat_key, [...(s.byVat.get(row.vat_key) ?? []), row.id]);
        ids.push(row.id);
      }
    }
    // The echo memory is per customer and target: one system's batch reads what was sent to it.
    const systems = new Set(changes.map((change) => change.system));
    const [system] = systems;
    const echoes =
      this.options.echoTtlHours !== null && systems.size === 1
        ? { target: system, ttlHours: this.options.echoTtlHours }
        : null;
    if (this.options.echoTtlHours !== null && systems.size > 1)
      throw new Error('a batch with echo memory holds the changes of one system');
    await store.loadCustomers(s, ids, echoes, accounts);
    return s;
  }
}
