import type { EntityManager } from 'typeorm';

import type { CustomerEntity, SourceSystem } from '@switchboard/contracts';
import type { CustomerFieldName, FieldState, FieldValues } from '@switchboard/master-data';

/** Per-field provenance as stored in `customer.meta` (the value itself lives in `data`). */
export type FieldMeta = Omit<FieldState, 'value'>;

export interface CustomerRow {
  id: string;
  entity: CustomerEntity;
  status: 'active' | 'inactive' | 'merged';
  parent_id: string | null;
  merged_into: string | null;
  data: FieldValues;
  meta: Partial<Record<CustomerFieldName, FieldMeta>>;
  version: number;
  synced_targets: string[];
}

export interface XrefRow {
  system: SourceSystem;
  entity: CustomerEntity;
  external_id: string;
  customer_id: string;
  status: 'active' | 'deleted' | 'merged';
  matched_by: string;
}

export interface AuditEntry {
  customerId: string;
  kind: 'create' | 'change' | 'resolution' | 'merge' | 'link' | 'deactivate' | 'signal';
  field: string;
  oldValue: unknown;
  newValue: unknown;
  sourceSystem: string;
  eventId: string | null;
  actor: string;
  sourceChangedAt: number;
}

export interface RefusedEntry {
  customerId: string | null;
  system: string;
  entity: CustomerEntity;
  externalId: string;
  field: string | null;
  value: unknown;
  reason: string;
  message: string;
  eventId: string | null;
  sourceChangedAt: number | null;
}

/** JSON for a jsonb parameter: a real JSON null stays null, never the string "null". */
export function jsonParam(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** Transaction-scoped lock that serialises matching and creation (no duplicate from two racing events). */
export const MATCHING_LOCK = 7_305_001;

const CUSTOMER_COLUMNS = 'id, entity, status, parent_id, merged_into, data, meta, version, synced_targets';

/** SQL of the canonical store, always inside the caller's transaction. */
export class CustomerStore {
  constructor(readonly m: EntityManager) {}

  async lockMatching(): Promise<void> {
    await this.m.query('SELECT pg_advisory_xact_lock($1)', [MATCHING_LOCK]);
  }

  async findXref(system: string, entity: string, externalId: string): Promise<XrefRow | null> {
    const rows: XrefRow[] = await this.m.query(
      `SELECT system, entity, external_id, customer_id, status, matched_by FROM customer_xref
       WHERE system = $1 AND entity = $2 AND external_id = $3`,
      [system, entity, externalId],
    );
    return rows[0] ?? null;
  }

  async xrefsOf(customerId: string): Promise<XrefRow[]> {
    return this.m.query(
      `SELECT system, entity, external_id, customer_id, status, matched_by FROM customer_xref
       WHERE customer_id = $1 ORDER BY created_at, system, external_id`,
      [customerId],
    );
  }

  /**
   * The customer's primary id per system (its oldest active cross-reference), for events: a customer
   * that absorbed thousands of duplicates must not make every event carry all of them.
   */
  async primaryXrefs(customerId: string): Promise<XrefRow[]> {
    return this.m.query(
      `SELECT DISTINCT ON (system) system, entity, external_id, customer_id, status, matched_by FROM customer_xref
       WHERE customer_id = $1 AND status = 'active' ORDER BY system, created_at, external_id`,
      [customerId],
    );
  }

  async insertXref(
    system: string,
    entity: string,
    externalId: string,
    customerId: string,
    matchedBy: string,
  ): Promise<void> {
    await this.m.query(
      `INSERT INTO customer_xref (system, entity, external_id, customer_id, matched_by) VALUES ($1, $2, $3, $4, $5)`,
      [system, entity, externalId, customerId, matchedBy],
    );
  }

  async setXrefStatus(
    system: string,
    entity: string,
    externalId: string,
    status: XrefRow['status'],
  ): Promise<void> {
    await this.m.query(
      `UPDATE customer_xref SET status = $4 WHERE system = $1 AND entity = $2 AND external_id = $3`,
      [system, entity, externalId, status],
    );
  }

  /** Locks the customer row for the rest of the transaction. */
  async lock(id: string): Promise<CustomerRow | null> {
    const rows: CustomerRow[] = await this.m.query(
      `SELECT ${CUSTOMER_COLUMNS} FROM customer WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return rows[0] ?? null;
  }

  async get(id: string): Promise<CustomerRow | null> {
    const rows: CustomerRow[] = await this.m.query(`SELECT ${CUSTOMER_COLUMNS} FROM customer WHERE id = $1`, [
      id,
    ]);
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

  async insertCustomer(
    row: CustomerRow,
    keys: { email: string | null; vat: string | null },
    parentRef: string | null,
  ): Promise<void> {
    await this.m.query(
      `INSERT INTO customer (id, entity, parent_id, parent_ref, data, meta, email_key, vat_key, version, synced_targets)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $10)`,
      [
        row.id,
        row.entity,
        row.parent_id,
        parentRef,
        JSON.stringify(row.data),
        JSON.stringify(row.meta),
        keys.email,
        keys.vat,
        row.version,
        row.synced_targets,
      ],
    );
  }

  /** Writes the row; `keep` leaves the matching keys as they are. */
  async saveCustomer(
    row: CustomerRow,
    keys: { email: string | null; vat: string | null; keep?: boolean },
  ): Promise<void> {
    if (keys.keep) {
      await this.m.query(`UPDATE customer SET synced_targets = $2, updated_at = now() WHERE id = $1`, [
        row.id,
        row.synced_targets,
      ]);
      return;
    }
    await this.m.query(
      `UPDATE customer SET data = $2::jsonb, meta = $3::jsonb, email_key = $4, vat_key = $5, version = $6,
         synced_targets = $7, parent_id = $8, status = $9, merged_into = $10, updated_at = now(),
         deactivated_at = CASE WHEN $9 = 'active' THEN NULL ELSE COALESCE(deactivated_at, now()) END
       WHERE id = $1`,
      [
        row.id,
        JSON.stringify(row.data),
        JSON.stringify(row.meta),
        keys.email,
        keys.vat,
        row.version,
        row.synced_targets,
        row.parent_id,
        row.status,
        row.merged_into,
      ],
    );
  }

  /** Contacts that arrived before their account: attach them now that it is known. */
  async adoptWaitingContacts(parentRef: string, accountId: string): Promise<void> {
    await this.m.query(
      `UPDATE customer SET parent_id = $2, parent_ref = NULL WHERE parent_ref = $1 AND parent_id IS NULL`,
      [parentRef, accountId],
    );
  }

  async setParent(customerId: string, parentId: string | null, parentRef: string | null): Promise<void> {
    await this.m.query(`UPDATE customer SET parent_id = $2, parent_ref = $3 WHERE id = $1`, [
      customerId,
      parentId,
      parentRef,
    ]);
  }

  async contactsOf(accountId: string): Promise<CustomerRow[]> {
    return this.m.query(
      `SELECT ${CUSTOMER_COLUMNS} FROM customer WHERE parent_id = $1 AND status = 'active' ORDER BY created_at`,
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

  /** Fields of this customer with an open conflict review. */
  async openReviewFields(customerId: string): Promise<Set<string>> {
    const rows: Array<{ field: string }> = await this.m.query(
      `SELECT field FROM review_item WHERE customer_id = $1 AND status = 'open' AND kind = 'conflict'`,
      [customerId],
    );
    return new Set(rows.map((row) => row.field));
  }

  /** Values sent to `target` that have not come back yet, by field. */
  async pendingEchoes(
    customerId: string,
    target: string,
    ttlHours: number,
  ): Promise<Map<string, Array<{ seq: string; hash: string }>>> {
    const rows: Array<{ seq: string; field: string; value_hash: string }> = await this.m.query(
      `SELECT seq, field, value_hash FROM sync_outbound
       WHERE customer_id = $1 AND target = $2 AND sent_at > now() - make_interval(hours => $3) ORDER BY seq`,
      [customerId, target, ttlHours],
    );
    const byField = new Map<string, Array<{ seq: string; hash: string }>>();
    for (const row of rows) {
      const list = byField.get(row.field) ?? [];
      list.push({ seq: row.seq, hash: row.value_hash });
      byField.set(row.field, list);
    }
    return byField;
  }

  /** The echo came back: it and every older value sent for the field are settled. */
  async settleEcho(customerId: string, target: string, field: string, upToSeq: string): Promise<void> {
    await this.m.query(
      `DELETE FROM sync_outbound WHERE customer_id = $1 AND target = $2 AND field = $3 AND seq <= $4`,
      [customerId, target, field, upToSeq],
    );
  }

  async rememberSent(
    rows: Array<{ customerId: string; target: string; field: string; hash: string }>,
  ): Promise<void> {
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

export function fieldStateOf(row: CustomerRow, field: CustomerFieldName): FieldState | undefined {
  const meta = row.meta[field];
  if (!meta) return undefined;
  return { ...meta, value: row.data[field] ?? null };
}
