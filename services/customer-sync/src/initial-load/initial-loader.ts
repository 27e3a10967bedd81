import { randomUUID } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';

import type { DataSource, EntityManager } from 'typeorm';

import {
  ContractViolation,
  buildCloudEvent,
  validatePayload,
  type CloudEvent,
  type CustomerEntity,
  type SourceSystem,
} from '@switchboard/contracts';
import {
  InvalidValue,
  chooseMatch,
  DEFAULT_MAX_FUTURE_SKEW_MS,
  checkSourceTime,
  decideField,
  fieldPolicyOf,
  flowAllows,
  isBlank,
  isCustomerField,
  nextFieldState,
  normalizeEmail,
  normalizeFieldValue,
  normalizeVat,
  parseTimestamp,
  receiversOf,
  toIso,
  valueHash,
  type CustomerFieldName,
  type FieldValue,
  type FieldValues,
  type OwnershipConfig,
} from '@switchboard/master-data';
import type { OutboxWriter } from '@switchboard/outbox';

import { CustomerStore, MATCHING_LOCK } from '../sync/customer-store';
import type { AuditEntry, FieldMeta, RefusedEntry } from '@switchboard/master-data';

interface CustomerRow {
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

function fieldStateOf(row: CustomerRow, field: CustomerFieldName) {
  const meta = row.meta[field];
  return meta ? { ...meta, value: row.data[field] ?? null } : undefined;
}
import { CUSTOMER_SYNC_SOURCE } from '../sync/outbox-sink';
import { readRecords, type FileFormat, type RawRecord, type TextEncoding } from './record-reader';

export interface LoadOptions {
  file: string;
  format: FileFormat;
  /** CSV: as `readRecords` detects them when absent. */
  delimiter?: string;
  encoding?: TextEncoding;
  system: SourceSystem;
  batchSize: number;
  /** Source time of records without `changedAt` (the export's time). */
  asOf: number;
  publish: boolean;
  runId: string;
  startOffset: number;
  startRecords: number;
  counts: LoadCounts;
  failures: LoadFailure[];
  /** After each committed batch: records done so far and the file offset. */
  onProgress?: (records: number, offset: number, counts: LoadCounts) => void;
}

export interface LoadCounts {
  created: number;
  updated: number;
  unchanged: number;
  conflicts: number;
  failed: number;
  refused: number;
}

export interface LoadFailure {
  record: number;
  externalId: string | null;
  reason: string;
}

const MAX_FAILURES_KEPT = 1000;

export function emptyCounts(): LoadCounts {
  return { created: 0, updated: 0, unchanged: 0, conflicts: 0, failed: 0, refused: 0 };
}

interface LoadRecord {
  number: number;
  entity: CustomerEntity;
  externalId: string;
  changedAt: number;
  values: FieldValues;
  /** A contact's account in the same system, as in a live customer_updated. */
  accountExternalId: string | null;
}

/**
 * Published (node:diagnostics_channel) after each committed batch: `{ runId, batches, records,
 * offset }`. The resume test kills the process there from a preload; nothing in the load reads it.
 */
export const LOAD_BATCH_COMMITTED_CHANNEL = 'switchboard.initial-load.batch-committed';
const batchCommitted = channel(LOAD_BATCH_COMMITTED_CHANNEL);

const META_KEYS = new Set(['entity', 'externalId', 'changedAt', 'fields', 'system', 'accountExternalId']);

/**
 * Loads a full customer export in batches, set-based: one round trip per kind of row and batch,
 * the same ownership and matching rules as the live sync, and a checkpoint committed with each
 * batch so a crashed load resumes exactly after the last committed record, without duplicates.
 */
export class InitialLoader {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: OwnershipConfig,
    private readonly outbox: OutboxWriter,
  ) {}

  async run(options: LoadOptions): Promise<{ records: number; offset: number }> {
    let records = options.startRecords;
    let offset = options.startOffset;
    let batches = 0;
    for await (const raw of readRecords(options.file, options.format, {
      startOffset: options.startOffset,
      startNumber: options.startRecords,
      batchSize: options.batchSize,
      delimiter: options.delimiter,
      encoding: options.encoding,
    })) {
      const batchCounts = emptyCounts();
      const failures: LoadFailure[] = [];
      const valid = this.parse(raw, options, batchCounts, failures);
      const last = raw[raw.length - 1];
      await this.dataSource.transaction(async (m) => {
        await this.applyBatch(m, valid, options, batchCounts, failures);
        for (const key of Object.keys(batchCounts) as Array<keyof LoadCounts>)
          options.counts[key] += batchCounts[key];
        failures.sort((a, b) => a.record - b.record);
        for (const failure of failures)
          if (options.failures.length < MAX_FAILURES_KEPT) options.failures.push(failure);
        await m.query(
          `UPDATE load_run SET byte_offset = $2, records = $3, counts = $4::jsonb, failures = $5::jsonb, updated_at = now() WHERE id = $1`,
          [
            options.runId,
            last.endOffset,
            last.number,
            JSON.stringify(options.counts),
            JSON.stringify(options.failures),
          ],
        );
      });
      records = last.number;
      offset = last.endOffset;
      batches += 1;
      options.onProgress?.(records, offset, options.counts);
      if (batchCommitted.hasSubscribers)
        batchCommitted.publish({ runId: options.runId, batches, records, offset });
    }
    return { records, offset };
  }

  private parse(
    raw: RawRecord[],
    options: LoadOptions,
    counts: LoadCounts,
    failures: LoadFailure[],
  ): LoadRecord[] {
    const out: LoadRecord[] = [];
    for (const record of raw) {
      const fail = (externalId: string | null, reason: string) => {
        counts.failed += 1;
        failures.push({ record: record.number, externalId, reason });
      };
      if (!record.value) {
        fail(null, `record ${record.number} ${record.error}`);
        continue;
      }
      const value = record.value;
      const externalId = typeof value.externalId === 'string' ? value.externalId : null;
      const fields: Record<string, unknown> =
        typeof value.fields === 'object' && value.fields !== null
          ? { ...(value.fields as Record<string, unknown>) }
          : Object.fromEntries(Object.entries(value).filter(([key]) => !META_KEYS.has(key)));
      if (typeof fields.leadScore === 'string' && /^\d+$/.test(fields.leadScore))
        fields.leadScore = Number(fields.leadScore);
      let changedAt: number;
      try {
        changedAt =
          value.changedAt === undefined || value.changedAt === ''
            ? options.asOf
            : parseTimestamp(value.changedAt);
      } catch (error) {
        fail(externalId, `changedAt ${(error as Error).message}`);
        continue;
      }
      const skewSeconds = Number(process.env.CUSTOMER_SYNC_MAX_FUTURE_SKEW_SECONDS || Number.NaN);
      const time = checkSourceTime(
        changedAt,
        Date.now(),
        Number.isFinite(skewSeconds) && skewSeconds >= 0 ? skewSeconds * 1000 : DEFAULT_MAX_FUTURE_SKEW_MS,
      );
      if (time.outcome === 'refused') {
        fail(externalId, `changedAt: ${time.message}`);
        continue;
      }
      const entity = (value.entity ?? 'account') as CustomerEntity;
      const accountExternalId =
        typeof value.accountExternalId === 'string' && value.accountExternalId !== ''
          ? value.accountExternalId
          : null;
      try {
        // The same contract as a live customer_updated: every wrong field named at once.
        validatePayload('customer_updated', {
          system: options.system,
          entity,
          externalId,
          changedAt: toIso(changedAt),
          fields,
          ...(accountExternalId !== null && { accountExternalId }),
        });
      } catch (error) {
        if (!(error instanceof ContractViolation)) throw error;
        fail(
          externalId,
          error.errors.map((e) => `${e.field.replace(/^fields\./, '')}: ${e.message}`).join('; '),
        );
        continue;
      }
      const values: FieldValues = {};
      let invalid: string | null = null;
      for (const [field, rawValue] of Object.entries(fields)) {
        if (!isCustomerField(field) || !fieldPolicyOf(this.config, entity, field)) continue;
        try {
          values[field] = normalizeFieldValue(field, rawValue);
        } catch (error) {
          if (!(error instanceof InvalidValue)) throw error;
          invalid = error.message;
        }
      }
      if (invalid) {
        fail(externalId, invalid);
        continue;
      }
      out.push({
        number: record.number,
        entity,
        externalId: externalId!,
        changedAt,
        values,
        accountExternalId: entity === 'contact' ? accountExternalId : null,
      });
    }
    return out;
  }

  private async applyBatch(
    m: EntityManager,
    records: LoadRecord[],
    options: LoadOptions,
    counts: LoadCounts,
    failures: LoadFailure[],
  ): Promise<void> {
    if (records.length === 0) return;
    const store = new CustomerStore(m);
    await m.query('SELECT pg_advisory_xact_lock($1)', [MATCHING_LOCK]);
    const system = options.system;
    const xrefRows: Array<{ entity: string; external_id: string; customer_id: string; status: string }> =
      await m.query(
        `SELECT x.entity, x.external_id, x.customer_id, x.status FROM customer_xref x
       JOIN unnest($2::text[], $3::text[]) AS k(entity, external_id) ON x.entity = k.entity AND x.external_id = k.external_id
       WHERE x.system = $1`,
        [system, records.map((r) => r.entity), records.map((r) => r.externalId)],
      );
    const xrefKey = (entity: string, externalId: string) => `${entity}\u0000${externalId}`;
    const xrefs = new Map(xrefRows.map((row) => [xrefKey(row.entity, row.external_id), row]));

    const emailKeys = new Set<string>();
    const vatKeys = new Set<string>();
    for (const record of records) {
      if (xrefs.has(xrefKey(record.entity, record.externalId))) continue;
      const email = normalizeEmail(record.values.email as string | undefined);
      const vat =
        record.entity === 'account' ? normalizeVat(record.values.vatNumber as string | undefined) : null;
      if (email) emailKeys.add(`${record.entity}\u0000${email}`);
      if (vat) vatKeys.add(vat);
    }
    const byEmail = new Map<string, string[]>();
    const byVat = new Map<string, string[]>();
    if (emailKeys.size > 0) {
      const keys = [...emailKeys].map((k) => k.split('\u0000'));
      const rows: Array<{ id: string; entity: string; email_key: string }> = await m.query(
        `SELECT c.id, c.entity, c.email_key FROM customer c
         JOIN unnest($1::text[], $2::text[]) AS k(entity, email_key) ON c.entity = k.entity AND c.email_key = k.email_key
         WHERE c.status = 'active'`,
        [keys.map((k) => k[0]), keys.map((k) => k[1])],
      );
      for (const row of rows) push(byEmail, `${row.entity}\u0000${row.email_key}`, row.id);
    }
    if (vatKeys.size > 0) {
      const rows: Array<{ id: string; vat_key: string }> = await m.query(
        `SELECT id, vat_key FROM customer WHERE entity = 'account' AND status = 'active' AND vat_key = ANY($1::text[])`,
        [[...vatKeys]],
      );
      for (const row of rows) push(byVat, row.vat_key, row.id);
    }

    const existingIds = new Set<string>();
    for (const row of xrefRows) existingIds.add(row.customer_id);
    for (const ids of [...byEmail.values(), ...byVat.values()]) for (const id of ids) existingIds.add(id);
    const existing = new Map<string, CustomerRow>();
    if (existingIds.size > 0) {
      const rows: CustomerRow[] = await m.query(
        `SELECT id, entity, status, parent_id, merged_into, data, meta, version, synced_targets FROM customer
         WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
        [[...existingIds]],
      );
      for (const row of rows) existing.set(row.id, row);
    }
    const openReviews = new Set<string>();
    if (existing.size > 0) {
      const rows: Array<{ customer_id: string; field: string }> = await m.query(
        `SELECT customer_id, field FROM review_item WHERE status = 'open' AND kind = 'conflict' AND customer_id = ANY($1::uuid[])`,
        [[...existing.keys()]],
      );
      for (const row of rows) openReviews.add(`${row.customer_id}\u0000${row.field}`);
    }

    const created: CustomerRow[] = [];
    const createdById = new Map<string, CustomerRow>();
    const createdIds = new Set<string>();
    const dirty = new Set<string>();
    const newXrefs: Array<{ entity: string; externalId: string; customerId: string; matchedBy: string }> = [];
    const audits: AuditEntry[] = [];
    const refusals: RefusedEntry[] = [];
    const refuse = (
      record: LoadRecord,
      customerId: string,
      field: string | null,
      value: unknown,
      reason: RefusedEntry['reason'],
      message: string,
    ) => {
      counts.refused += 1;
      refusals.push({
        customerId,
        system,
        entity: record.entity,
        externalId: record.externalId,
        field,
        value,
        reason,
        message,
        eventId: null,
        sourceChangedAt: record.changedAt,
      });
    };
    /** Contacts whose account is named: linked once this batch's cross-references are written. */
    const accountLinks = new Map<string, string>();
    const changedFields = new Map<string, Set<CustomerFieldName>>();
    const reviews: Array<{ record: LoadRecord; candidates: string[]; rule: string }> = [];
    const actor = `load:${options.runId}`;
    const audit = (entity: CustomerEntity) => this.config.entities[entity].audit;

    for (const record of records) {
      const key = xrefKey(record.entity, record.externalId);
      const xref = xrefs.get(key);
      let customer: CustomerRow | undefined;
      if (xref) {
        if (xref.status !== 'active') {
          refuse(
            record,
            xref.customer_id,
            null,
            null,
            xref.status === 'deleted' ? 'record_deleted' : 'record_merged',
            `${system} ${record.entity} ${record.externalId} was ${xref.status}; a late change never brings it back`,
          );
          counts.unchanged += 1;
          continue;
        }
        customer = existing.get(xref.customer_id) ?? createdById.get(xref.customer_id);
        if (!customer || customer.status !== 'active') {
          refuse(
            record,
            xref.customer_id,
            null,
            null,
            'customer_inactive',
            `customer ${xref.customer_id} is ${customer?.status ?? 'gone'}; the change is not applied`,
          );
          counts.unchanged += 1;
          continue;
        }
      } else {
        const email = normalizeEmail(record.values.email as string | undefined);
        const vat =
          record.entity === 'account' ? normalizeVat(record.values.vatNumber as string | undefined) : null;
        const match = chooseMatch(
          email ? (byEmail.get(`${record.entity}\u0000${email}`) ?? []) : [],
          vat ? (byVat.get(vat) ?? []) : [],
          record.entity === 'account',
        );
        if (match.kind === 'ambiguous') {
          reviews.push({ record, candidates: match.candidates, rule: match.rule });
          counts.conflicts += 1;
          continue;
        }
        if (match.kind === 'matched') {
          customer = existing.get(match.customerId) ?? createdById.get(match.customerId);
          if (!customer) continue;
          newXrefs.push({
            entity: record.entity,
            externalId: record.externalId,
            customerId: customer.id,
            matchedBy: match.rule,
          });
          xrefs.set(key, {
            entity: record.entity,
            external_id: record.externalId,
            customer_id: customer.id,
            status: 'active',
          });
        } else {
          const missing = Object.values(this.config.entities[record.entity].fields)
            .filter((policy) => policy?.required && isBlank(record.values[policy.field]))
            .map((policy) => policy.field);
          if (missing.length > 0) {
            counts.failed += 1;
            failures.push({
              record: record.number,
              externalId: record.externalId,
              reason: `a new ${record.entity} needs ${missing.join(', ')} (null or empty): refused`,
            });
            continue;
          }
          const row: CustomerRow = {
            id: randomUUID(),
            entity: record.entity,
            status: 'active',
            parent_id: null,
            merged_into: null,
            data: {},
            meta: {},
            version: 1,
            synced_targets: [system],
          };
          for (const [field, value] of Object.entries(record.values) as Array<
            [CustomerFieldName, FieldValue]
          >) {
            if (value === null) continue;
            row.data[field] = value;
            row.meta[field] = { system, at: record.changedAt, seen: { [system]: record.changedAt } };
            if (audit(record.entity)) {
              audits.push(auditEntry(row.id, 'create', field, null, value, system, actor, record.changedAt));
            }
          }
          created.push(row);
          if (record.accountExternalId) accountLinks.set(row.id, record.accountExternalId);
          createdById.set(row.id, row);
          createdIds.add(row.id);
          changedFields.set(row.id, new Set(Object.keys(row.data) as CustomerFieldName[]));
          newXrefs.push({
            entity: record.entity,
            externalId: record.externalId,
            customerId: row.id,
            matchedBy: 'created',
          });
          xrefs.set(key, {
            entity: record.entity,
            external_id: record.externalId,
            customer_id: row.id,
            status: 'active',
          });
          if (email) push(byEmail, `${record.entity}\u0000${email}`, row.id);
          if (vat) push(byVat, vat, row.id);
          counts.created += 1;
          continue;
        }
      }
      // An existing customer: the same per-field rules as a live change (no echoes in a load).
      if (record.accountExternalId) accountLinks.set(customer.id, record.accountExternalId);
      let changed = 0;
      for (const [field, value] of Object.entries(record.values) as Array<[CustomerFieldName, FieldValue]>) {
        const policy = fieldPolicyOf(this.config, record.entity, field)!;
        const state = fieldStateOf(customer, field);
        const incoming = { system, value, at: record.changedAt };
        const decision = decideField(policy, state, incoming, {
          echo: false,
          reviewOpen: openReviews.has(`${customer.id}\u0000${field}`),
        });
        if (decision.outcome === 'applied') {
          const old = customer.data[field] ?? null;
          customer.data[field] = decision.value;
          const next = nextFieldState(state, incoming, decision.value);
          customer.meta[field] = { system: next.system, at: next.at, seen: next.seen };
          if (audit(record.entity))
            audits.push(
              auditEntry(customer.id, 'change', field, old, decision.value, system, actor, record.changedAt),
            );
          const set = changedFields.get(customer.id) ?? new Set();
          set.add(field);
          changedFields.set(customer.id, set);
          changed += 1;
          if (decision.conflict) counts.conflicts += 1;
        } else if (decision.outcome === 'refused') {
          refuse(record, customer.id, field, value, decision.reason, decision.message);
        } else if (decision.outcome === 'lost' || decision.outcome === 'review') {
          counts.conflicts += 1;
        }
      }
      if (!customer.synced_targets.includes(system)) customer.synced_targets.push(system);
      if (changed > 0) {
        if (!createdIds.has(customer.id)) {
          customer.version += 1;
          dirty.add(customer.id);
        }
        counts.updated += 1;
      } else {
        counts.unchanged += 1;
        if (!createdIds.has(customer.id)) dirty.add(customer.id);
      }
    }

    // Events first: they decide which targets now have each record.
    const events: CloudEvent[] = [];
    /** What was sent to each target: its echo coming back is recognised, as after a live change. */
    const sent: Array<{ customerId: string; target: string; field: string; hash: string }> = [];
    if (options.publish && changedFields.size > 0) {
      const refs = new Map<string, Array<{ system: SourceSystem; externalId: string }>>();
      const known = [...changedFields.keys()].filter((id) => !createdIds.has(id));
      if (known.length > 0) {
        const rows: Array<{ customer_id: string; system: SourceSystem; external_id: string }> = await m.query(
          `SELECT customer_id, system, external_id FROM customer_xref WHERE customer_id = ANY($1::uuid[]) AND status = 'active'
           ORDER BY created_at`,
          [known],
        );
        for (const row of rows)
          refs.set(row.customer_id, [
            ...(refs.get(row.customer_id) ?? []),
            { system: row.system, externalId: row.external_id },
          ]);
      }
      for (const xref of newXrefs) {
        refs.set(xref.customerId, [
          ...(refs.get(xref.customerId) ?? []),
          { system, externalId: xref.externalId },
        ]);
      }
      for (const [id, fields] of changedFields) {
        const row = createdById.get(id) ?? existing.get(id)!;
        const own = (refs.get(id) ?? []).filter(
          (x, index, all) => all.findIndex((y) => y.system === x.system) === index,
        );
        events.push(...this.eventsFor(row, [...fields], system, options, own, sent));
      }
    }

    if (created.length > 0) {
      await m.query(
        `INSERT INTO customer (id, entity, data, meta, email_key, vat_key, version, synced_targets)
         SELECT id, entity, data, meta, email_key, vat_key, 1, string_to_array(targets, ',')
         FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::jsonb[], $5::text[], $6::text[], $7::text[])
           AS t(id, entity, data, meta, email_key, vat_key, targets)`,
        [
          created.map((c) => c.id),
          created.map((c) => c.entity),
          created.map((c) => JSON.stringify(c.data)),
          created.map((c) => JSON.stringify(c.meta)),
          created.map((c) => normalizeEmail(c.data.email as string | undefined)),
          created.map((c) => normalizeVat(c.data.vatNumber as string | undefined)),
          created.map((c) => c.synced_targets.join(',')),
        ],
      );
    }
    if (newXrefs.length > 0) {
      await m.query(
        `INSERT INTO customer_xref (system, entity, external_id, customer_id, matched_by)
         SELECT $1, entity, external_id, customer_id, matched_by FROM unnest($2::text[], $3::text[], $4::uuid[], $5::text[])
           AS t(entity, external_id, customer_id, matched_by)`,
        [
          system,
          newXrefs.map((x) => x.entity),
          newXrefs.map((x) => x.externalId),
          newXrefs.map((x) => x.customerId),
          newXrefs.map((x) => x.matchedBy),
        ],
      );
    }
    const updates = [...dirty].map((id) => existing.get(id)!).filter(Boolean);
    if (updates.length > 0) {
      await m.query(
        `UPDATE customer c SET data = u.data, meta = u.meta, email_key = u.email_key, vat_key = u.vat_key,
           version = u.version, synced_targets = string_to_array(u.targets, ','), updated_at = now()
         FROM unnest($1::uuid[], $2::jsonb[], $3::jsonb[], $4::text[], $5::text[], $6::int[], $7::text[])
           AS u(id, data, meta, email_key, vat_key, version, targets)
         WHERE c.id = u.id`,
        [
          updates.map((c) => c.id),
          updates.map((c) => JSON.stringify(c.data)),
          updates.map((c) => JSON.stringify(c.meta)),
          updates.map((c) => normalizeEmail(c.data.email as string | undefined)),
          updates.map((c) => normalizeVat(c.data.vatNumber as string | undefined)),
          updates.map((c) => c.version),
          updates.map((c) => c.synced_targets.join(',')),
        ],
      );
    }
    await this.linkContacts(m, system, accountLinks, created);
    await store.audit(audits);
    await store.refuse(refusals);
    await store.rememberSent(sent);
    for (const review of reviews) {
      await m.query(
        `INSERT INTO review_item (id, kind, entity, system, external_id, candidates, incoming, reason)
         VALUES ($1, 'ambiguous_match', $2, $3, $4, $5::jsonb, $6::jsonb, $7)
         ON CONFLICT (system, entity, external_id) WHERE status = 'open' AND kind = 'ambiguous_match'
         DO UPDATE SET incoming = EXCLUDED.incoming, candidates = EXCLUDED.candidates`,
        [
          randomUUID(),
          review.record.entity,
          system,
          review.record.externalId,
          JSON.stringify(review.candidates.map((customerId) => ({ customerId, rule: review.rule }))),
          JSON.stringify({
            system,
            entity: review.record.entity,
            externalId: review.record.externalId,
            changedAt: toIso(review.record.changedAt),
            fields: review.record.values,
            eventId: null,
            actor,
          }),
          `${system} ${review.record.entity} ${review.record.externalId} (initial load) matches ${review.candidates.length} customers by ${review.rule}: a person decides`,
        ],
      );
    }
    for (let i = 0; i < events.length; i += 2000)
      await this.outbox.enqueueEvents(m, events.slice(i, i + 2000));
  }

  /**
   * Contacts to the accounts they name, as the live sync links them: the account's customer when
   * the system's account is known (loaded in this batch or before), else a reference that the
   * account adopts when it comes. Accounts created here adopt the contacts already waiting for them.
   */
  private async linkContacts(
    m: EntityManager,
    system: SourceSystem,
    accountLinks: Map<string, string>,
    created: CustomerRow[],
  ): Promise<void> {
    if (accountLinks.size > 0) {
      await m.query(
        `UPDATE customer c SET parent_id = a.customer_id,
           parent_ref = CASE WHEN a.customer_id IS NULL THEN $1 || ':' || t.account_external_id END
         FROM unnest($2::uuid[], $3::text[]) AS t(id, account_external_id)
         LEFT JOIN customer_xref a ON a.system = $1 AND a.entity = 'account'
           AND a.external_id = t.account_external_id AND a.status = 'active'
         WHERE c.id = t.id`,
        [system, [...accountLinks.keys()], [...accountLinks.values()]],
      );
    }
    const accounts = created.filter((row) => row.entity === 'account').map((row) => row.id);
    if (accounts.length > 0) {
      await m.query(
        `UPDATE customer c SET parent_id = x.customer_id, parent_ref = NULL
         FROM customer_xref x
         WHERE x.customer_id = ANY($2::uuid[]) AND x.system = $1 AND x.entity = 'account'
           AND c.parent_ref = $1 || ':' || x.external_id AND c.parent_id IS NULL`,
        [system, accounts],
      );
    }
  }

  private eventsFor(
    row: CustomerRow,
    changed: CustomerFieldName[],
    origin: SourceSystem,
    options: LoadOptions,
    crossReferences: Array<{ system: SourceSystem; externalId: string }>,
    sent: Array<{ customerId: string; target: string; field: string; hash: string }>,
  ): CloudEvent[] {
    const events: CloudEvent[] = [];
    const flowRecord = {
      country:
        ((row.data.billingAddress ?? row.data.address) as Record<string, string> | undefined)?.country ??
        null,
      accountType: (row.data.accountType as string | undefined) ?? null,
      status: (row.data.status as string | undefined) ?? null,
    };
    for (const target of receiversOf(this.config, row.entity)) {
      if (target === origin) continue;
      const receives = (field: CustomerFieldName) =>
        fieldPolicyOf(this.config, row.entity, field)?.receivers.includes(target) ?? false;
      const relevant = changed.filter(receives);
      if (relevant.length === 0 || !flowAllows(this.config, target, row.entity, flowRecord)) continue;
      const knows = row.synced_targets.includes(target);
      const names = knows
        ? relevant
        : (Object.keys(row.data) as CustomerFieldName[]).filter((f) => receives(f) && row.data[f] !== null);
      const fields: Record<string, FieldValue> = {};
      for (const field of new Set([...names, ...relevant])) fields[field] = row.data[field] ?? null;
      if (!knows) row.synced_targets.push(target);
      for (const [field, value] of Object.entries(fields))
        sent.push({ customerId: row.id, target, field, hash: valueHash(value) });
      events.push(
        buildCloudEvent({
          id: randomUUID(),
          source: CUSTOMER_SYNC_SOURCE,
          type: 'customer_synced',
          data: {
            customerId: row.id,
            entity: row.entity,
            target,
            targetExternalId: crossReferences.find((x) => x.system === target)?.externalId ?? null,
            action: 'upsert',
            version: row.version,
            changedAt: toIso(options.asOf),
            origin: { system: origin, eventId: null, actor: `load:${options.runId}` },
            fields: fields,
            crossReferences,
            reason: 'initial_load',
          },
        }),
      );
    }
    return events;
  }
}

function push(map: Map<string, string[]>, key: string, id: string): void {
  const list = map.get(key);
  if (!list) map.set(key, [id]);
  else if (!list.includes(id)) list.push(id);
}

function auditEntry(
  customerId: string,
  kind: AuditEntry['kind'],
  field: string,
  oldValue: unknown,
  newValue: unknown,
  system: string,
  actor: string,
  at: number,
): AuditEntry {
  return {
    customerId,
    kind,
    field,
    oldValue,
    newValue,
    sourceSystem: system,
    eventId: null,
    actor,
    sourceChangedAt: at,
  };
}
