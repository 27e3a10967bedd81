import type { EntityManager } from 'typeorm';

import type {
  AuditEntry,
  CrossReference,
  CustomerRecord,
  OpenReview,
  PendingEcho,
  RecordWrite,
  RefusedEntry,
  SentValue,
  Snapshot,
} from '@switchboard/master-data';

/** JSON for a jsonb parameter: a real JSON null stays null, never the string "null". */
export function jsonParam(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** Transaction-scoped lock that serialises matching and creation (no duplicate from two racing events). */
export const MATCHING_LOCK = 7_305_001;

export const RECORD_COLUMNS = `id, entity, status, parent_id AS "parentId", parent_ref AS "parentRef",
  merged_into AS "mergedInto", data, meta, version, synced_targets AS "syncedTargets"`;

export const XREF_COLUMNS = `system, entity, external_id AS "externalId", customer_id AS "customerId", status,
  matched_by AS "matchedBy", (extract(epoch FROM created_at) * 1000)::float8 AS "createdAt"`;

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const list = map.get(key(row));
    if (list) list.push(row);
    else map.set(key(row), [row]);
  }
  return map;
}

/** SQL of the canonical store, always inside the caller's transaction: snapshot reads and plan writes. */
export class CustomerStore {
  constructor(readonly m: EntityManager) {}

  async lockMatching(): Promise<void> {
    await this.m.query('SELECT pg_advisory_xact_lock($1)', [MATCHING_LOCK]);
  }

  async findXref(system: string, entity: string, externalId: string): Promise<CrossReference | null> {
    const rows: CrossReference[] = await this.m.query(
      `SELECT ${XREF_COLUMNS} FROM customer_xref WHERE system = $1 AND entity = $2 AND external_id = $3`,
      [system, entity, externalId],
    );
    return rows[0] ?? null;
  }

  /** Every cross-reference of the customers (any status), oldest first. */
  async xrefsOf(customerIds: string[]): Promise<Map<string, CrossReference[]>> {
    if (customerIds.length === 0) return new Map();
    const rows: CrossReference[] = await this.m.query(
      `SELECT ${XREF_COLUMNS} FROM customer_xref WHERE customer_id = ANY($1::uuid[])
       ORDER BY created_at, system, external_id`,
      [customerIds],
    );
    return groupBy(rows, (row) => row.customerId);
  }

  /** Locks the customer rows for the rest of the transaction (in id order: no deadlock between two lockers). */
  async lock(ids: string[]): Promise<CustomerRecord[]> {
    if (ids.length === 0) return [];
    return this.m.query(
      `SELECT ${RECORD_COLUMNS} FROM customer WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [[...new Set(ids)]],
    );
  }

  /**
   * Locks the customers into the snapshot with what their plan reads: their cross-references (and
   * their accounts'), open reviews, and the values sent to `echoes.target` not back yet. `accounts`
   * (a contact's named account) only have their cross-references read: a contact's change never
   * locks its account, which a merge may hold while it moves the contacts.
   */
  async loadCustomers(
    s: Snapshot,
    ids: string[],
    echoes: { target: string; ttlHours: number } | null,
    accounts: string[] = [],
  ): Promise<void> {
    for (const record of await this.lock(ids)) s.customers.set(record.id, record);
    const known = [...s.customers.keys()];
    const parents = [...s.customers.values()]
      .map((c) => c.parentId)
      .filter((id): id is string => id !== null);
    for (const [id, list] of await this.xrefsOf([...new Set([...known, ...ids, ...parents, ...accounts])]))
      s.xrefs.set(id, list);
    for (const [id, list] of await this.openReviews(known)) s.reviews.set(id, list);
    if (echoes) {
      for (const [id, list] of await this.pendingEchoes(known, echoes.target, echoes.ttlHours))
        s.echoes.set(id, list);
    }
  }

  async get(id: string): Promise<CustomerRecord | null> {
    const rows: CustomerRecord[] = await this.m.query(
      `SELECT ${RECORD_COLUMNS} FROM customer WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async candidatesByEmail(entity: string, emailKey: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.m.query(
      `SELECT id FROM customer WHERE entity = $1 AND email_key = $2 AND status = 'active' ORDER BY id LIMIT 10`,
      [entity, emailKey],
    );
    return rows.map((row) => row.id);
  }

  async candidatesByVat(vatKey: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.m.query(
      `SELECT id FROM customer WHERE entity = 'account' AND vat_key = $1 AND status = 'active' ORDER BY id LIMIT 10`,
      [vatKey],
    );
    return rows.map((row) => row.id);
  }

  /** Open conflict reviews of the customers, by customer id. */
  async openReviews(customerIds: string[]): Promise<Map<string, OpenReview[]>> {
    if (customerIds.length === 0) return new Map();
    const rows: OpenReview[] = await this.m.query(
      `SELECT id, customer_id AS "customerId", field, candidates FROM review_item
       WHERE customer_id = ANY($1::uuid[]) AND status = 'open' AND kind = 'conflict' ORDER BY created_at FOR UPDATE`,
      [customerIds],
    );
    return groupBy(rows, (row) => row.customerId);
  }

  /** Values sent to `target` that have not come back yet, by customer id. */
  async pendingEchoes(
    customerIds: string[],
    target: string,
    ttlHours: number,
  ): Promise<Map<string, PendingEcho[]>> {
    if (customerIds.length === 0) return new Map();
    const rows: Array<PendingEcho & { customerId: string }> = await this.m.query(
      `SELECT seq, customer_id AS "customerId", field, value_hash AS hash FROM sync_outbound
       WHERE customer_id = ANY($1::uuid[]) AND target = $2 AND sent_at > now() - make_interval(hours => $3) ORDER BY seq`,
      [customerIds, target, ttlHours],
    );
    return groupBy(rows, (row) => row.customerId);
  }

  async insertCustomer(write: RecordWrite): Promise<void> {
    const row = write.record;
    await this.m.query(
      `INSERT INTO customer (id, entity, parent_id, parent_ref, data, meta, email_key, vat_key, version, synced_targets)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $10)`,
      [
        row.id,
        row.entity,
        row.parentId,
        row.parentRef,
        JSON.stringify(row.data),
        JSON.stringify(row.meta),
        write.emailKey,
        write.vatKey,
        row.version,
        row.syncedTargets,
      ],
    );
  }

  async saveCustomer(write: RecordWrite): Promise<void> {
    const row = write.record;
    await this.m.query(
      `UPDATE customer SET data = $2::jsonb, meta = $3::jsonb, email_key = $4, vat_key = $5, version = $6,
         synced_targets = $7, parent_id = $8, parent_ref = $11, status = $9, merged_into = $10, updated_at = now(),
         deactivated_at = CASE WHEN $9 = 'active' THEN NULL ELSE COALESCE(deactivated_at, now()) END
       WHERE id = $1`,
      [
        row.id,
        JSON.stringify(row.data),
        JSON.stringify(row.meta),
        write.emailKey,
        write.vatKey,
        row.version,
        row.syncedTargets,
        row.parentId,
        row.status,
        row.mergedInto,
        row.parentRef,
      ],
    );
  }

  /** The ERP must be sent the whole record again (a promotion): it is no longer one of the targets. */
  async forgetTarget(customerId: string, target: string): Promise<void> {
    await this.m.query(
      `UPDATE customer SET synced_targets = array_remove(synced_targets, $2), updated_at = now() WHERE id = $1`,
      [customerId, target],
    );
  }

  async insertXref(x: CrossReference): Promise<void> {
    await this.m.query(
      `INSERT INTO customer_xref (system, entity, external_id, customer_id, matched_by) VALUES ($1, $2, $3, $4, $5)`,
      [x.system, x.entity, x.externalId, x.customerId, x.matchedBy],
    );
  }

  async setXrefStatus(system: string, entity: string, externalId: string, status: string): Promise<void> {
    await this.m.query(
      `UPDATE customer_xref SET status = $4 WHERE system = $1 AND entity = $2 AND external_id = $3`,
      [system, entity, externalId, status],
    );
  }

  async moveXrefs(from: string, to: string): Promise<void> {
    await this.m.query(`UPDATE customer_xref SET customer_id = $2 WHERE customer_id = $1`, [from, to]);
  }

  async moveChildren(from: string, to: string): Promise<void> {
    await this.m.query(`UPDATE customer SET parent_id = $2 WHERE parent_id = $1`, [from, to]);
  }

  /** Contacts that arrived before their account: attach them now that it is known. */
  async adoptWaitingContacts(parentRefs: string[], accountIds: string[]): Promise<void> {
    if (parentRefs.length === 0) return;
    // Each account's waiting contacts looked up by index (`OFFSET 0`: not a join the planner may
    // turn into a scan of every customer when its statistics lag behind a load).
    await this.m.query(
      `UPDATE customer c SET parent_id = w.account_id, parent_ref = NULL
       FROM (SELECT t.account_id, waiting.id FROM unnest($1::text[], $2::uuid[]) AS t(parent_ref, account_id)
             CROSS JOIN LATERAL (SELECT id FROM customer
               WHERE parent_ref IS NOT NULL AND parent_ref = t.parent_ref AND parent_id IS NULL OFFSET 0) waiting) w
       WHERE c.id = w.id`,
      [parentRefs, accountIds],
    );
  }

  async contactsOf(accountId: string): Promise<CustomerRecord[]> {
    return this.m.query(
      `SELECT ${RECORD_COLUMNS} FROM customer WHERE parent_id = $1 AND status = 'active' ORDER BY created_at`,
      [accountId],
    );
  }

  async audit(entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.m.query(
      `INSERT INTO customer_audit (customer_id, kind, field, old_value, new_value, source_system, event_id, actor, source_changed_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::jsonb[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])`,
      [
        entries.map((e) => e.customerId),
        entries.map((e) => e.kind),
        entries.map((e) => e.field),
        entries.map((e) => jsonParam(e.oldValue)),
        entries.map((e) => jsonParam(e.newValue)),
        entries.map((e) => e.sourceSystem),
        entries.map((e) => e.eventId),
        entries.map((e) => e.actor),
        entries.map((e) => new Date(e.sourceChangedAt).toISOString()),
      ],
    );
  }

  async refuse(entries: RefusedEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.m.query(
      `INSERT INTO refused_change (customer_id, system, entity, external_id, field, value, reason, message, event_id, source_changed_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])`,
      [
        entries.map((e) => e.customerId),
        entries.map((e) => e.system),
        entries.map((e) => e.entity),
        entries.map((e) => e.externalId),
        entries.map((e) => e.field),
        entries.map((e) => jsonParam(e.value)),
        entries.map((e) => e.reason),
        entries.map((e) => e.message),
        entries.map((e) => e.eventId),
        entries.map((e) => (e.sourceChangedAt === null ? null : new Date(e.sourceChangedAt).toISOString())),
      ],
    );
  }

  /** The echoes came back: each, and every older value sent for its field, are settled. */
  async settleEchoes(
    rows: Array<{ customerId: string; target: string; field: string; seq: string }>,
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.m.query(
      `DELETE FROM sync_outbound o USING unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[]) AS s(customer_id, target, field, seq)
       WHERE o.customer_id = s.customer_id AND o.target = s.target AND o.field = s.field AND o.seq <= s.seq`,
      [
        rows.map((r) => r.customerId),
        rows.map((r) => r.target),
        rows.map((r) => r.field),
        rows.map((r) => r.seq),
      ],
    );
  }

  async rememberSent(rows: SentValue[]): Promise<void> {
    if (rows.length === 0) return;
    await this.m.query(
      `INSERT INTO sync_outbound (customer_id, target, field, value_hash)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])`,
      [
        rows.map((r) => r.customerId),
        rows.map((r) => r.target),
        rows.map((r) => r.field),
        rows.map((r) => r.hash),
      ],
    );
  }
}
