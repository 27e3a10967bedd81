import { randomUUID } from 'node:crypto';

import type { EntityManager } from 'typeorm';

import type { CustomerEntity, CustomerSyncedV1, SourceSystem, SyncedFields } from '@switchboard/contracts';
import { EventRejected } from '@switchboard/inbox';
import {
  DEFAULT_MAX_FUTURE_SKEW_MS,
  InvalidValue,
  checkSourceTime,
  chooseMatch,
  decideField,
  fieldPolicyOf,
  flowAllows,
  isBlank,
  isCustomerField,
  mergeText,
  nextFieldState,
  normalizeEmail,
  normalizeFieldValue,
  normalizeVat,
  receiversOf,
  toIso,
  valueHash,
  valuesEqual,
  type CustomerFieldName,
  type FieldValue,
  type FieldValues,
  type OwnershipConfig,
} from '@switchboard/master-data';

import {
  CustomerStore,
  fieldStateOf,
  type AuditEntry,
  type CustomerRow,
  type RefusedEntry,
  type XrefRow,
} from './customer-store';
import { emptyTally, type IncomingChange, type SyncSink, type SyncTally } from './sync.types';

export interface EngineOptions {
  echoTtlHours: number;
  /** Source timestamps later than now plus this are refused (CUSTOMER_SYNC_MAX_FUTURE_SKEW_SECONDS). */
  maxFutureSkewMs?: number;
  /** The clock, for tests. */
  now?: () => number;
}

export interface ApplyResult {
  tally: SyncTally;
  customerId: string | null;
}

interface Origin {
  system: SourceSystem | 'switchboard';
  eventId: string | null;
  actor: string;
  at: number;
  reason?: string | null;
}

function keysOf(data: FieldValues): { email: string | null; vat: string | null } {
  return {
    email: normalizeEmail(typeof data.email === 'string' ? data.email : null),
    vat: normalizeVat(typeof data.vatNumber === 'string' ? data.vatNumber : null),
  };
}

function countryOf(data: FieldValues): string | null {
  const address = (data.billingAddress ?? data.address) as Record<string, string | null> | null | undefined;
  return address?.country ?? null;
}

/**
 * The sync rules applied to one incoming change inside the caller's transaction: matching, the
 * ownership file's per-field decisions, audit, refusals, reviews, deletes and merges, and the
 * customer_synced events to the systems that receive what changed.
 */
export class SyncEngine {
  constructor(
    private readonly config: OwnershipConfig,
    private readonly options: EngineOptions,
  ) {}

  private get maxFutureSkewMs(): number {
    return this.options.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  async apply(m: EntityManager, change: IncomingChange, sink: SyncSink): Promise<ApplyResult> {
    const store = new CustomerStore(m);
    const tally = emptyTally();
    const refused: RefusedEntry[] = [];
    const refuse = (
      customerId: string | null,
      field: string | null,
      value: unknown,
      reason: string,
      message: string,
    ) => {
      refused.push({
        customerId,
        system: change.system,
        entity: change.entity,
        externalId: change.externalId,
        field,
        value,
        reason,
        message,
        eventId: change.eventId,
        sourceChangedAt: change.changedAt,
      });
      tally.refused += 1;
    };

    // A change stamped in the future would win every later comparison: refused as a whole, visibly.
    const time = checkSourceTime(change.changedAt, this.now(), this.maxFutureSkewMs);
    if (time.outcome === 'refused') {
      refuse(
        null,
        null,
        null,
        time.reason,
        `${change.system} ${change.entity} ${change.externalId}: ${time.message}`,
      );
      await store.refuse(refused);
      return { tally, customerId: null };
    }

    // Values first: a wrong value is refused with its reason, the rest of the change still counts.
    const values: FieldValues = {};
    for (const [field, raw] of Object.entries(change.fields)) {
      if (raw === undefined) continue;
      if (!isCustomerField(field) || !fieldPolicyOf(this.config, change.entity, field)) {
        refuse(
          null,
          field,
          raw,
          'not_synced',
          `${field} is not synced for ${change.entity}s (not in ${this.config.source})`,
        );
        continue;
      }
      try {
        values[field] = normalizeFieldValue(field, raw);
      } catch (error) {
        if (!(error instanceof InvalidValue)) throw error;
        refuse(null, field, raw, 'invalid_value', error.message);
      }
    }

    if (change.targetCustomerId) {
      const target = await store.lock(change.targetCustomerId);
      if (!target || target.status !== 'active') {
        refuse(
          change.targetCustomerId,
          null,
          null,
          'customer_inactive',
          `customer ${change.targetCustomerId} is not active; the change is not applied`,
        );
        await store.refuse(refused);
        return { tally, customerId: change.targetCustomerId };
      }
      return this.applyToCustomer(store, target, change, values, tally, refused, refuse, sink, false);
    }

    let xref = await store.findXref(change.system, change.entity, change.externalId);
    let customer: CustomerRow | null = null;
    let linkedNow = false;
    let linkRule: string | null = null;
    if (!xref && !change.deleted) {
      await store.lockMatching();
      xref = await store.findXref(change.system, change.entity, change.externalId);
    }
    if (xref) {
      if (xref.status !== 'active') {
        refuse(
          xref.customer_id,
          null,
          null,
          `record_${xref.status}`,
          `${change.system} ${change.entity} ${change.externalId} was ${xref.status}; a late change never brings it back`,
        );
        await store.refuse(refused);
        return { tally, customerId: xref.customer_id };
      }
      customer = await store.lock(xref.customer_id);
      if (customer && customer.status !== 'active') {
        refuse(
          customer.id,
          null,
          null,
          'customer_inactive',
          `customer ${customer.id} is ${customer.status}; the change is not applied`,
        );
        await store.refuse(refused);
        return { tally, customerId: customer.id };
      }
    }

    if (change.deleted) {
      if (!customer) {
        refuse(
          null,
          null,
          null,
          'unknown_record',
          `${change.system} deleted ${change.entity} ${change.externalId}, which was never synced`,
        );
        await store.refuse(refused);
        tally.unchanged += 1;
        return { tally, customerId: null };
      }
      const result = change.mergedIntoExternalId
        ? await this.mergeRecords(store, customer, change, sink)
        : await this.deleteRecord(store, customer, change, sink, refuse);
      await store.refuse(refused);
      tally.updated += result;
      return { tally, customerId: customer.id };
    }

    if (!customer) {
      const found = await this.match(store, change, values, refuse);
      if (found.kind === 'ambiguous') {
        await this.openMatchReview(m, change, found.candidates, found.rule);
        tally.conflicts += 1;
        await store.refuse(refused);
        return { tally, customerId: null };
      }
      if (found.kind === 'matched') {
        customer = await store.lock(found.customerId);
        await store.insertXref(change.system, change.entity, change.externalId, found.customerId, found.rule);
        linkedNow = true;
        linkRule = found.rule;
      }
    }

    if (!customer) {
      const created = await this.create(store, change, values, sink, refuse);
      await store.refuse(refused);
      tally.created += 1;
      return { tally, customerId: created.id };
    }

    // A record created from Switchboard's own event (linked by customer id) already has every value.
    return this.applyToCustomer(
      store,
      customer,
      change,
      values,
      tally,
      refused,
      refuse,
      sink,
      linkedNow,
      linkRule !== 'customer_id',
    );
  }

  private async applyToCustomer(
    store: CustomerStore,
    customer: CustomerRow,
    change: IncomingChange,
    values: FieldValues,
    tally: SyncTally,
    refused: RefusedEntry[],
    refuse: (
      id: string | null,
      field: string | null,
      value: unknown,
      reason: string,
      message: string,
    ) => void,
    sink: SyncSink,
    linkedNow: boolean,
    sendMissing = linkedNow,
  ): Promise<ApplyResult> {
    if (linkedNow && this.config.entities[change.entity].audit) {
      await store.audit([
        this.auditEntry(
          customer.id,
          'link',
          'crossReference',
          null,
          { system: change.system, externalId: change.externalId },
          change,
        ),
      ]);
    }
    if (linkedNow && change.entity === 'account') {
      await store.adoptWaitingContacts(`${change.system}:${change.externalId}`, customer.id);
    }
    if (change.entity === 'contact' && change.accountExternalId) {
      await this.attachToAccount(store, customer.id, change.system, change.accountExternalId);
    }

    const changed = await this.applyFields(store, customer, change, values, tally, refuse);
    await store.refuse(refused);
    if (changed.length > 0) tally.updated += 1;
    else tally.unchanged += 1;
    if (!change.targetCustomerId && !customer.synced_targets.includes(change.system)) {
      customer.synced_targets.push(change.system);
    }
    if (changed.length > 0) customer.version += 1;
    await store.saveCustomer(customer, keysOf(customer.data));
    if (changed.length > 0) {
      await this.publishChanges(store, customer, changed, this.origin(change), sink);
    }
    if (linkedNow && sendMissing) await this.sendToLinked(store, customer, change, values, sink);
    return { tally, customerId: customer.id };
  }

  private origin(change: IncomingChange): Origin {
    return {
      system: change.system,
      eventId: change.eventId,
      actor: change.actor,
      at: change.changedAt,
      reason: change.reason,
    };
  }

  private auditEntry(
    customerId: string,
    kind: AuditEntry['kind'],
    field: string,
    oldValue: unknown,
    newValue: unknown,
    origin: { system: string; eventId: string | null; actor: string; changedAt?: number; at?: number },
  ): AuditEntry {
    return {
      customerId,
      kind,
      field,
      oldValue,
      newValue,
      sourceSystem: origin.system,
      eventId: origin.eventId,
      actor: origin.actor,
      sourceChangedAt: origin.changedAt ?? origin.at ?? Date.now(),
    };
  }

  private async match(
    store: CustomerStore,
    change: IncomingChange,
    values: FieldValues,
    refuse: (
      id: string | null,
      field: string | null,
      value: unknown,
      reason: string,
      message: string,
    ) => void,
  ): Promise<ReturnType<typeof chooseMatch>> {
    if (change.forceCreate) return { kind: 'none' };
    if (change.switchboardCustomerId) {
      const known = await store.get(change.switchboardCustomerId);
      // A system learns a customer id only from the customer_synced events sent to it: an id it was
      // never sent is a guess (or another system's customer), so it links nothing and is matched as usual.
      if (
        known &&
        known.status === 'active' &&
        known.entity === change.entity &&
        known.synced_targets.includes(change.system)
      ) {
        return { kind: 'matched', customerId: known.id, rule: 'customer_id' };
      }
      refuse(
        null,
        'switchboardCustomerId',
        change.switchboardCustomerId,
        'customer_id_not_sent',
        `${change.system} named customer ${change.switchboardCustomerId}, which was never sent to ${change.system}: the id is ignored and the record matched as usual`,
      );
    }
    const emailKey = normalizeEmail(typeof values.email === 'string' ? values.email : null);
    const vatKey =
      change.entity === 'account'
        ? normalizeVat(typeof values.vatNumber === 'string' ? values.vatNumber : null)
        : null;
    const byEmail = emailKey ? await store.candidatesByEmail(change.entity, emailKey) : [];
    const byVat = byEmail.length === 0 && vatKey ? await store.candidatesByVat(vatKey) : [];
    return chooseMatch(byEmail, byVat, change.entity === 'account');
  }

  private async openMatchReview(
    m: EntityManager,
    change: IncomingChange,
    candidates: string[],
    rule: string,
  ): Promise<void> {
    const incoming = { ...change, changedAt: toIso(change.changedAt) };
    const reason = `${change.system} ${change.entity} ${change.externalId} matches ${candidates.length} customers by ${rule}: a person decides`;
    // One open review per record: a later change of the same record replaces the held one.
    await m.query(
      `INSERT INTO review_item (id, kind, customer_id, entity, system, external_id, candidates, incoming, reason)
       VALUES ($1, 'ambiguous_match', NULL, $2, $3, $4, $5::jsonb, $6::jsonb, $7)
       ON CONFLICT (system, entity, external_id) WHERE status = 'open' AND kind = 'ambiguous_match'
       DO UPDATE SET incoming = EXCLUDED.incoming, candidates = EXCLUDED.candidates`,
      [
        randomUUID(),
        change.entity,
        change.system,
        change.externalId,
        JSON.stringify(candidates.map((customerId) => ({ customerId, rule }))),
        JSON.stringify(incoming),
        reason,
      ],
    );
  }

  private async create(
    store: CustomerStore,
    change: IncomingChange,
    values: FieldValues,
    sink: SyncSink,
    refuse: (
      id: string | null,
      field: string | null,
      value: unknown,
      reason: string,
      message: string,
    ) => void,
  ): Promise<CustomerRow> {
    const entityPolicy = this.config.entities[change.entity];
    const missing = Object.values(entityPolicy.fields)
      .filter((policy) => policy?.required && isBlank(values[policy.field]))
      .map((policy) => policy.field);
    if (missing.length > 0) {
      throw new EventRejected(
        'required_field_missing',
        `A new ${change.entity} needs ${missing.join(', ')}; ${change.system} ${change.entity} ${change.externalId} has ${
          missing.length > 1 ? 'none of them' : 'none'
        } (null or empty): refused`,
        missing.map((field) => ({
          field: `data.fields.${field}`,
          message: `${field} is required for a new ${change.entity}`,
        })),
      );
    }
    const id = randomUUID();
    const data: FieldValues = {};
    const meta: CustomerRow['meta'] = {};
    // A new record takes every value it arrives with (nothing to protect yet); ownership rules
    // every change after that.
    for (const [field, value] of Object.entries(values) as Array<[CustomerFieldName, FieldValue]>) {
      if (value === null) continue;
      data[field] = value;
      meta[field] = {
        system: change.system,
        at: change.changedAt,
        seen: { [change.system]: change.changedAt },
      };
    }
    let parentId: string | null = null;
    let parentRef: string | null = null;
    if (change.entity === 'contact' && change.accountExternalId) {
      const account = await store.findXref(change.system, 'account', change.accountExternalId);
      if (account) parentId = account.customer_id;
      else parentRef = `${change.system}:${change.accountExternalId}`;
    }
    const row: CustomerRow = {
      id,
      entity: change.entity,
      status: 'active',
      parent_id: parentId,
      merged_into: null,
      data,
      meta,
      version: 1,
      synced_targets: [change.system],
    };
    await store.insertCustomer(row, keysOf(data), parentRef);
    await store.insertXref(change.system, change.entity, change.externalId, id, 'created');
    if (change.entity === 'account')
      await store.adoptWaitingContacts(`${change.system}:${change.externalId}`, id);
    if (entityPolicy.audit) {
      await store.audit(
        Object.entries(data).map(([field, value]) =>
          this.auditEntry(id, 'create', field, null, value, change),
        ),
      );
    }
    void refuse;
    await this.publishChanges(
      store,
      row,
      Object.keys(data) as CustomerFieldName[],
      this.origin(change),
      sink,
    );
    return row;
  }

  private async attachToAccount(
    store: CustomerStore,
    contactId: string,
    system: string,
    accountExternalId: string,
  ): Promise<void> {
    const account = await store.findXref(system, 'account', accountExternalId);
    if (account) await store.setParent(contactId, account.customer_id, null);
    else await store.setParent(contactId, null, `${system}:${accountExternalId}`);
  }

  /** The per-field decisions; returns the fields whose canonical value changed. */
  private async applyFields(
    store: CustomerStore,
    customer: CustomerRow,
    change: IncomingChange,
    values: FieldValues,
    tally: SyncTally,
    refuse: (
      id: string | null,
      field: string | null,
      value: unknown,
      reason: string,
      message: string,
    ) => void,
  ): Promise<CustomerFieldName[]> {
    const fields = Object.keys(values) as CustomerFieldName[];
    if (fields.length === 0) return [];
    const echoes = await store.pendingEchoes(customer.id, change.system, this.options.echoTtlHours);
    const reviews = await store.openReviewFields(customer.id);
    const changed: CustomerFieldName[] = [];
    const audits: AuditEntry[] = [];
    for (const field of fields) {
      const policy = fieldPolicyOf(this.config, change.entity, field)!;
      const value = values[field] ?? null;
      const state = fieldStateOf(customer, field);
      const incoming = { system: change.system, value, at: change.changedAt };
      const hash = valueHash(value);
      const echo = (echoes.get(field) ?? []).find((sent) => sent.hash === hash);
      const decision = decideField(policy, state, incoming, {
        echo: echo !== undefined,
        reviewOpen: reviews.has(field),
        notAfter: this.now() + this.maxFutureSkewMs,
      });
      switch (decision.outcome) {
        case 'applied': {
          const old = customer.data[field] ?? null;
          customer.data[field] = decision.value;
          const next = nextFieldState(state, incoming, decision.value);
          customer.meta[field] = { system: next.system, at: next.at, seen: next.seen };
          changed.push(field);
          audits.push(this.auditEntry(customer.id, 'change', field, old, decision.value, change));
          if (decision.conflict) tally.conflicts += 1;
          break;
        }
        case 'echo':
          tally.echoes += 1;
          await store.settleEcho(customer.id, change.system, field, echo!.seq);
          this.markSeen(customer, field, state, incoming);
          break;
        case 'unchanged':
          this.markSeen(customer, field, state, incoming);
          break;
        case 'stale':
          tally.stale += 1;
          if (decision.conflict) tally.conflicts += 1;
          break;
        case 'lost':
          tally.conflicts += 1;
          refuse(
            customer.id,
            field,
            value,
            'conflict_lost',
            `${change.system} changed ${field} while ${policy.master} (source of truth) did: ${policy.master}'s value is kept`,
          );
          tally.refused -= 1;
          this.markSeen(customer, field, state, incoming);
          break;
        case 'refused':
          refuse(customer.id, field, value, decision.reason, decision.message);
          break;
        case 'review':
          tally.conflicts += 1;
          await this.holdForReview(store, customer, field, state, incoming, change);
          this.markSeen(customer, field, state, incoming);
          break;
      }
    }
    if (this.config.entities[customer.entity].audit) await store.audit(audits);
    return changed;
  }

  private markSeen(
    customer: CustomerRow,
    field: CustomerFieldName,
    state: ReturnType<typeof fieldStateOf>,
    incoming: { system: string; value: FieldValue; at: number },
  ): void {
    if (!state) return;
    const next = nextFieldState(state, incoming, undefined);
    customer.meta[field] = { system: next.system, at: next.at, seen: next.seen };
  }

  private async holdForReview(
    store: CustomerStore,
    customer: CustomerRow,
    field: CustomerFieldName,
    state: ReturnType<typeof fieldStateOf>,
    incoming: { system: string; value: FieldValue; at: number },
    change: IncomingChange,
  ): Promise<void> {
    const candidate = {
      system: incoming.system,
      value: incoming.value,
      changedAt: toIso(incoming.at),
      eventId: change.eventId,
    };
    const current = state
      ? { system: state.system, value: state.value, changedAt: toIso(state.at), eventId: null, current: true }
      : null;
    const m = store.m;
    const existing: Array<{ id: string; candidates: unknown[] }> = await m.query(
      `SELECT id, candidates FROM review_item WHERE customer_id = $1 AND field = $2 AND status = 'open' AND kind = 'conflict' FOR UPDATE`,
      [customer.id, field],
    );
    if (existing[0]) {
      const candidates = existing[0].candidates as Array<{ system: string; value: unknown }>;
      if (!candidates.some((c) => c.system === candidate.system && valuesEqual(c.value, candidate.value))) {
        candidates.push(candidate);
        await m.query(`UPDATE review_item SET candidates = $2::jsonb WHERE id = $1`, [
          existing[0].id,
          JSON.stringify(candidates),
        ]);
      }
      return;
    }
    await m.query(
      `INSERT INTO review_item (id, kind, customer_id, entity, field, system, external_id, candidates, reason)
       VALUES ($1, 'conflict', $2, $3, $4, $5, $6, $7::jsonb, $8)`,
      [
        randomUUID(),
        customer.id,
        customer.entity,
        field,
        change.system,
        change.externalId,
        JSON.stringify(current ? [current, candidate] : [candidate]),
        `${field} changed in ${current ? `${state!.system} and ` : ''}${incoming.system} at the same time (manual review)`,
      ],
    );
  }

  /** A delete from the record's master deactivates the customer everywhere; from anyone else it only unlinks. */
  private async deleteRecord(
    store: CustomerStore,
    customer: CustomerRow,
    change: IncomingChange,
    sink: SyncSink,
    refuse: (
      id: string | null,
      field: string | null,
      value: unknown,
      reason: string,
      message: string,
    ) => void,
  ): Promise<number> {
    const xrefs = await store.xrefsOf(customer.id);
    const active = xrefs.filter((x) => x.status === 'active');
    const master = this.config.entities[customer.entity].recordMasters.find((system) =>
      active.some((x) => x.system === system),
    );
    await store.setXrefStatus(change.system, change.entity, change.externalId, 'deleted');
    if (master !== change.system) {
      refuse(
        customer.id,
        null,
        null,
        'delete_not_master',
        `${change.system} deleted ${change.entity} ${change.externalId}, but ${master ?? 'another system'} masters this customer: it stays active (the link is removed)`,
      );
      return 0;
    }
    customer.status = 'inactive';
    customer.version += 1;
    await store.saveCustomer(customer, keysOf(customer.data));
    if (this.config.entities[customer.entity].audit) {
      await store.audit([this.auditEntry(customer.id, 'deactivate', 'status', 'active', 'inactive', change)]);
    }
    const refs = active.filter((x) => x.system !== change.system);
    const targets = [...new Set(refs.map((x) => x.system))];
    for (const target of targets) {
      await sink.publish('customer_synced', {
        ...this.envelope(customer, target, this.origin(change), xrefs),
        action: 'deactivate',
        fields: {},
        reason: 'deleted_in_master',
      });
    }
    return 1;
  }

  /** `system` merged record A into record B: their customers become one, with every cross-reference. */
  private async mergeRecords(
    store: CustomerStore,
    loser: CustomerRow,
    change: IncomingChange,
    sink: SyncSink,
  ): Promise<number> {
    const intoRef = await store.findXref(change.system, change.entity, change.mergedIntoExternalId!);
    if (!intoRef) {
      // The surviving record is not known yet: it takes over this customer.
      await store.insertXref(
        change.system,
        change.entity,
        change.mergedIntoExternalId!,
        loser.id,
        'merged_record',
      );
      await store.setXrefStatus(change.system, change.entity, change.externalId, 'merged');
      return 1;
    }
    await store.setXrefStatus(change.system, change.entity, change.externalId, 'merged');
    if (intoRef.customer_id === loser.id) return 1;
    const survivor = await store.lock(intoRef.customer_id);
    if (!survivor || survivor.status !== 'active') return 0;
    await this.mergeCustomers(store, loser, survivor, this.origin(change), sink);
    return 1;
  }

  /** Merges `loser` into `survivor`: cross-references, contacts, open reviews, missing values and notes. */
  async mergeCustomers(
    store: CustomerStore,
    loser: CustomerRow,
    survivor: CustomerRow,
    origin: Origin,
    sink: SyncSink,
  ): Promise<void> {
    const m = store.m;
    const before = await store.xrefsOf(survivor.id);
    await m.query(`UPDATE customer_xref SET customer_id = $2 WHERE customer_id = $1`, [
      loser.id,
      survivor.id,
    ]);
    await m.query(`UPDATE customer SET parent_id = $2 WHERE parent_id = $1`, [loser.id, survivor.id]);
    await m.query(
      `UPDATE review_item r SET customer_id = $2 WHERE customer_id = $1 AND status = 'open'
       AND NOT EXISTS (SELECT 1 FROM review_item o WHERE o.customer_id = $2 AND o.field = r.field AND o.status = 'open')`,
      [loser.id, survivor.id],
    );
    const taken: CustomerFieldName[] = [];
    const audits: AuditEntry[] = [];
    const auditOrigin = {
      system: origin.system,
      eventId: origin.eventId,
      actor: origin.actor,
      at: origin.at,
    };
    for (const [field, value] of Object.entries(loser.data) as Array<[CustomerFieldName, FieldValue]>) {
      if (value === null || value === undefined) continue;
      const policy = fieldPolicyOf(this.config, survivor.entity, field);
      const current = survivor.data[field];
      const next =
        policy?.strategy === 'merge' ? mergeText(current, value) : isBlank(current) ? value : current;
      if (valuesEqual(next, current)) continue;
      survivor.data[field] = next;
      survivor.meta[field] = loser.meta[field] ?? { system: String(origin.system), at: origin.at, seen: {} };
      taken.push(field);
      audits.push(this.auditEntry(survivor.id, 'merge', field, current ?? null, next, auditOrigin));
    }
    const after = await store.xrefsOf(survivor.id);
    const refs = (rows: XrefRow[]) =>
      rows.map((x) => ({ system: x.system, externalId: x.external_id, status: x.status }));
    audits.push(
      this.auditEntry(survivor.id, 'merge', 'crossReferences', refs(before), refs(after), auditOrigin),
    );
    audits.push(this.auditEntry(loser.id, 'merge', 'status', loser.status, 'merged', auditOrigin));
    if (this.config.entities[survivor.entity].audit) await store.audit(audits);

    loser.status = 'merged';
    loser.merged_into = survivor.id;
    loser.version += 1;
    await store.saveCustomer(loser, { email: null, vat: null });
    survivor.version += 1;
    survivor.synced_targets = [...new Set([...survivor.synced_targets, ...loser.synced_targets])];
    await store.saveCustomer(survivor, keysOf(survivor.data));

    const targets = [...new Set(after.filter((x) => x.status === 'active').map((x) => x.system))].filter(
      (target) => target !== origin.system,
    );
    for (const target of targets) {
      const fields: Record<string, FieldValue> = {};
      for (const field of taken) {
        if (fieldPolicyOf(this.config, survivor.entity, field)?.receivers.includes(target))
          fields[field] = survivor.data[field] ?? null;
      }
      await sink.publish('customer_synced', {
        ...this.envelope(survivor, target, origin, after),
        action: 'merge',
        fields: fields,
        mergedCustomerId: loser.id,
        reason: origin.reason ?? 'merged',
      });
    }
  }

  private envelope(
    customer: CustomerRow,
    target: SourceSystem,
    origin: Origin,
    xrefs: XrefRow[],
  ): Omit<CustomerSyncedV1, 'action' | 'fields'> {
    const own = xrefs.find((x) => x.system === target && x.status === 'active');
    return {
      customerId: customer.id,
      entity: customer.entity,
      target,
      targetExternalId: own?.external_id ?? null,
      version: customer.version,
      changedAt: toIso(origin.at),
      origin: { system: origin.system, eventId: origin.eventId, actor: origin.actor },
      // One id per system (the oldest active): the target's own, and where to find the others.
      crossReferences: xrefs
        .filter((x) => x.status === 'active')
        .filter((x, index, all) => all.findIndex((y) => y.system === x.system) === index)
        .map((x) => ({ system: x.system, externalId: x.external_id })),
      reason: origin.reason ?? null,
    };
  }

  /**
   * One customer_synced per target that receives at least one changed field and lets the record
   * through its flow rules; never to the origin. A target that has not had the record yet gets every
   * field it receives (it creates the record).
   */
  async publishChanges(
    store: CustomerStore,
    customer: CustomerRow,
    changed: CustomerFieldName[],
    origin: Origin,
    sink: SyncSink,
    options: { rememberEchoes?: boolean } = {},
  ): Promise<void> {
    const xrefs = await store.primaryXrefs(customer.id);
    const flowRecord = {
      country: countryOf(customer.data),
      accountType: (customer.data.accountType as string | undefined) ?? null,
      status: (customer.data.status as string | undefined) ?? null,
    };
    const sent: Array<{ customerId: string; target: string; field: string; hash: string }> = [];
    const targetsBefore = customer.synced_targets.length;
    let accountXrefs: XrefRow[] | null = null;
    for (const target of receiversOf(this.config, customer.entity)) {
      if (target === origin.system) continue;
      const receives = (field: CustomerFieldName) =>
        fieldPolicyOf(this.config, customer.entity, field)?.receivers.includes(target) ?? false;
      const relevant = changed.filter(receives);
      if (relevant.length === 0) continue;
      if (!flowAllows(this.config, target, customer.entity, flowRecord)) continue;
      const knows = customer.synced_targets.includes(target);
      const fields: Record<string, FieldValue> = {};
      const names = knows
        ? relevant
        : (Object.keys(customer.data) as CustomerFieldName[]).filter(
            (f) => receives(f) && customer.data[f] !== null,
          );
      for (const field of new Set([...names, ...relevant])) fields[field] = customer.data[field] ?? null;
      if (customer.entity === 'contact' && customer.parent_id && accountXrefs === null) {
        accountXrefs = await store.primaryXrefs(customer.parent_id);
      }
      const accountRef = accountXrefs?.find((x) => x.system === target && x.status === 'active');
      await sink.publish('customer_synced', {
        ...this.envelope(customer, target, origin, xrefs),
        ...(customer.entity === 'contact' && { accountTargetExternalId: accountRef?.external_id ?? null }),
        action: 'upsert',
        fields: fields,
      });
      if (!knows) customer.synced_targets.push(target);
      if (options.rememberEchoes !== false) {
        for (const [field, value] of Object.entries(fields)) {
          sent.push({ customerId: customer.id, target, field, hash: valueHash(value) });
        }
      }
    }
    await store.rememberSent(sent);
    if (customer.synced_targets.length !== targetsBefore)
      await store.saveCustomer(customer, keysOf(customer.data));
  }

  /**
   * A record just linked by matching gets the canonical values it receives and does not have yet,
   * so both systems agree from now on.
   */
  private async sendToLinked(
    store: CustomerStore,
    customer: CustomerRow,
    change: IncomingChange,
    values: FieldValues,
    sink: SyncSink,
  ): Promise<void> {
    const target = change.system;
    const differing = (Object.keys(customer.data) as CustomerFieldName[]).filter(
      (field) =>
        customer.data[field] !== null &&
        fieldPolicyOf(this.config, customer.entity, field)?.receivers.includes(target) &&
        !valuesEqual(customer.data[field], values[field]),
    );
    if (differing.length === 0) return;
    const xrefs = await store.primaryXrefs(customer.id);
    const fields: Record<string, FieldValue> = {};
    for (const field of differing) fields[field] = customer.data[field] ?? null;
    await sink.publish('customer_synced', {
      ...this.envelope(
        customer,
        target,
        {
          system: 'switchboard',
          eventId: change.eventId,
          actor: 'switchboard:matching',
          at: change.changedAt,
        },
        xrefs,
      ),
      action: 'upsert',
      fields: fields,
      reason: 'linked',
    });
    await store.rememberSent(
      Object.entries(fields).map(([field, value]) => ({
        customerId: customer.id,
        target,
        field,
        hash: valueHash(value),
      })),
    );
  }

  /**
   * Writes values decided by Switchboard itself (a steward's decision, a finance signal) and publishes
   * them to their receivers, skipping `skipTarget` (the system the chosen value came from).
   */
  async applyDecided(
    m: EntityManager,
    customerId: string,
    values: FieldValues,
    origin: Origin & { skipTarget?: string; kind: AuditEntry['kind']; valueSystem?: string },
    sink: SyncSink,
  ): Promise<CustomerFieldName[]> {
    const store = new CustomerStore(m);
    const customer = await store.lock(customerId);
    if (!customer) throw new Error(`customer ${customerId} does not exist`);
    const changed: CustomerFieldName[] = [];
    const audits: AuditEntry[] = [];
    for (const [field, value] of Object.entries(values) as Array<[CustomerFieldName, FieldValue]>) {
      const state = fieldStateOf(customer, field);
      if (state && valuesEqual(state.value, value)) continue;
      const old = customer.data[field] ?? null;
      customer.data[field] = value;
      const system = origin.valueSystem ?? String(origin.system);
      const seen = { ...(state?.seen ?? {}) };
      seen[system] = Math.max(seen[system] ?? origin.at, origin.at);
      customer.meta[field] = { system, at: Math.max(state?.at ?? origin.at, origin.at), seen };
      changed.push(field);
      audits.push(
        this.auditEntry(customer.id, origin.kind, field, old, value, {
          ...origin,
          system: String(origin.system),
        }),
      );
    }
    if (changed.length === 0) return [];
    customer.version += 1;
    if (this.config.entities[customer.entity].audit) await store.audit(audits);
    await store.saveCustomer(customer, keysOf(customer.data));
    const publishOrigin: Origin = {
      ...origin,
      system: (origin.skipTarget as SourceSystem | undefined) ?? origin.system,
    };
    await this.publishChanges(store, customer, changed, publishOrigin, sink);
    return changed;
  }

  /** For signals: the customer's receivable fields, as a target-addressed event without the ownership rules. */
  async publishDirect(
    m: EntityManager,
    customer: CustomerRow,
    target: SourceSystem,
    fields: Partial<SyncedFields>,
    origin: Origin,
    sink: SyncSink,
  ): Promise<void> {
    const store = new CustomerStore(m);
    const xrefs = await store.primaryXrefs(customer.id);
    await sink.publish('customer_synced', {
      ...this.envelope(customer, target, origin, xrefs),
      action: 'upsert',
      fields: fields,
    });
  }

  entityOf(entity: CustomerEntity) {
    return this.config.entities[entity];
  }
}
