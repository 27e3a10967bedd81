import type { CustomerEntity, CustomerSyncedV1, SourceSystem } from '@switchboard/contracts';

import { checkSourceTime, decideField, nextFieldState, type FieldState } from './decide';
import { isCustomerField, type CustomerFieldName, type FieldValue, type FieldValues } from './fields';
import { chooseMatch, type MatchResult } from './matching';
import {
  InvalidValue,
  isBlank,
  mergeText,
  normalizeFieldValue,
  toIso,
  valueHash,
  valuesEqual,
} from './normalize';
import { fieldPolicyOf, flowAllows, receiveOnlyOf, receiversOf, type OwnershipConfig } from './ownership';
import {
  emailCandidateKey,
  emptyPlan,
  matchKeysOf,
  refKey,
  type AuditEntry,
  type AuditKind,
  type CrossReference,
  type CustomerRecord,
  type Origin,
  type Plan,
  type PlanContext,
  type RecordWrite,
  type RefusalReason,
  type ReviewCandidate,
  type Snapshot,
  type SourceChange,
  type XrefStatus,
} from './plan-model';

// The sync rules of customer-sync as pure functions: a change and the snapshot of what it touches
// in, a plan of every write and event out. The live consumers apply a plan row by row, the initial
// load set-based; neither decides anything itself.

function writeOf(record: CustomerRecord): RecordWrite {
  if (record.status === 'merged') return { record, emailKey: null, vatKey: null };
  const keys = matchKeysOf(record.data);
  return { record, emailKey: keys.email, vatKey: keys.vat };
}

/** The values of a change, normalised; the fields that are not synced or not valid are refused. */
export function normalizeChange(
  config: OwnershipConfig,
  change: SourceChange,
): {
  values: FieldValues;
  refused: Array<{ field: string; value: unknown; reason: RefusalReason; message: string }>;
} {
  const values: FieldValues = {};
  const refused: Array<{ field: string; value: unknown; reason: RefusalReason; message: string }> = [];
  for (const [field, raw] of Object.entries(change.fields)) {
    if (raw === undefined) continue;
    if (!isCustomerField(field) || !fieldPolicyOf(config, change.entity, field)) {
      refused.push({
        field,
        value: raw,
        reason: 'not_synced',
        message: `${field} is not synced for ${change.entity}s (not in ${config.source})`,
      });
      continue;
    }
    try {
      values[field] = normalizeFieldValue(field, raw);
    } catch (error) {
      if (!(error instanceof InvalidValue)) throw error;
      refused.push({ field, value: raw, reason: 'invalid_value', message: error.message });
    }
  }
  return { values, refused };
}

/** The keys a new record is matched by: its e-mail, and for accounts its VAT number. */
export function matchKeysOfChange(
  entity: CustomerEntity,
  values: FieldValues,
): { email: string | null; vat: string | null } {
  const keys = matchKeysOf(values);
  return { email: keys.email, vat: entity === 'account' ? keys.vat : null };
}

/** The customers a plan reads and writes, copied on first touch so the snapshot stays as loaded. */
class Planner {
  readonly plan = emptyPlan();
  private readonly touched = new Map<string, CustomerRecord>();
  private readonly created = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly xrefLists = new Map<string, CrossReference[]>();

  constructor(
    readonly s: Snapshot,
    readonly config: OwnershipConfig,
    readonly ctx: PlanContext,
  ) {}

  customer(id: string): CustomerRecord | undefined {
    const own = this.touched.get(id);
    if (own) return own;
    const loaded = this.s.customers.get(id);
    if (!loaded) return undefined;
    const copy = structuredClone(loaded);
    this.touched.set(id, copy);
    return copy;
  }

  /** The customer, which the snapshot must hold (the loader read it for this change). */
  required(id: string): CustomerRecord {
    const found = this.customer(id);
    if (!found) throw new Error(`the snapshot lacks customer ${id}`);
    return found;
  }

  create(record: CustomerRecord): void {
    this.touched.set(record.id, record);
    this.created.add(record.id);
  }

  save(record: CustomerRecord): void {
    this.touched.set(record.id, record);
    this.dirty.add(record.id);
  }

  ref(system: string, entity: string, externalId: string): CrossReference | null {
    return this.s.refs.get(refKey(system, entity, externalId)) ?? null;
  }

  xrefsOf(customerId: string): CrossReference[] {
    let list = this.xrefLists.get(customerId);
    if (!list) {
      list = (this.s.xrefs.get(customerId) ?? []).map((x) => ({ ...x }));
      this.xrefLists.set(customerId, list);
    }
    return list;
  }

  insertXref(
    system: SourceSystem,
    entity: CustomerEntity,
    externalId: string,
    customerId: string,
    matchedBy: string,
  ): void {
    const xref: CrossReference = {
      system,
      entity,
      externalId,
      customerId,
      status: 'active',
      matchedBy,
      createdAt: this.ctx.now,
    };
    this.plan.newXrefs.push(xref);
    this.xrefsOf(customerId).push(xref);
  }

  setXrefStatus(
    system: string,
    entity: string,
    externalId: string,
    customerId: string,
    status: XrefStatus,
  ): void {
    this.plan.xrefStatus.push({ system, entity, externalId, status });
    for (const x of this.xrefsOf(customerId))
      if (x.system === system && x.entity === entity && x.externalId === externalId) x.status = status;
  }

  refuse(
    change: SourceChange,
    customerId: string | null,
    field: string | null,
    value: unknown,
    reason: RefusalReason,
    message: string,
  ): void {
    this.plan.refusals.push({
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
    this.plan.tally.refused += 1;
  }

  audit(entity: CustomerEntity, entries: AuditEntry[]): void {
    if (this.config.entities[entity].audit) this.plan.audits.push(...entries);
  }

  finish(customerId: string | null): Plan {
    this.plan.customerId = customerId;
    for (const id of this.created) this.plan.inserts.push(writeOf(this.touched.get(id)!));
    for (const id of this.dirty)
      if (!this.created.has(id)) this.plan.updates.push(writeOf(this.touched.get(id)!));
    return this.plan;
  }
}

function auditEntry(
  customerId: string,
  kind: AuditKind,
  field: string,
  oldValue: unknown,
  newValue: unknown,
  origin: { system: string; eventId: string | null; actor: string; at: number },
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
    sourceChangedAt: origin.at,
  };
}

export function originOf(change: SourceChange): Origin {
  return {
    system: change.system,
    eventId: change.eventId,
    actor: change.actor,
    at: change.changedAt,
    reason: change.reason,
  };
}

export function fieldStateOf(record: CustomerRecord, field: CustomerFieldName): FieldState | undefined {
  const meta = record.meta[field];
  if (!meta) return undefined;
  return { ...meta, value: record.data[field] ?? null };
}

/** The customer's id per system: its oldest active cross-reference there, by system name. */
export function primaryRefs(xrefs: readonly CrossReference[]): CrossReference[] {
  return firstPerSystem(xrefs).sort((a, b) => (a.system < b.system ? -1 : a.system > b.system ? 1 : 0));
}

function firstPerSystem(xrefs: readonly CrossReference[]): CrossReference[] {
  const ordered = [...xrefs].filter((x) => x.status === 'active').sort((a, b) => a.createdAt - b.createdAt);
  return ordered.filter((x, index, all) => all.findIndex((y) => y.system === x.system) === index);
}

/** The fields every customer_synced carries besides the action and the values. */
export function envelopeOf(
  customer: CustomerRecord,
  target: SourceSystem,
  origin: Origin,
  xrefs: readonly CrossReference[],
): Omit<CustomerSyncedV1, 'action' | 'fields'> {
  const refs = firstPerSystem(xrefs);
  return {
    customerId: customer.id,
    entity: customer.entity,
    target,
    targetExternalId: refs.find((x) => x.system === target)?.externalId ?? null,
    version: customer.version,
    changedAt: toIso(origin.at),
    origin: { system: origin.system, eventId: origin.eventId, actor: origin.actor },
    // One id per system (the oldest active): the target's own, and where to find the others.
    crossReferences: refs.map((x) => ({ system: x.system, externalId: x.externalId })),
    reason: origin.reason ?? null,
  };
}

/**
 * The sync rules for one incoming change: the source time, the values, the record's
 * cross-reference, deletes and merges, matching (customer id, e-mail, VAT, ambiguity), creation,
 * the per-field ownership decisions with echoes and reviews, and the events to the receivers.
 */
export function planChange(
  snapshot: Snapshot,
  config: OwnershipConfig,
  change: SourceChange,
  ctx: PlanContext,
): Plan {
  const p = new Planner(snapshot, config, ctx);
  const tally = p.plan.tally;

  // A change stamped in the future would win every later comparison: refused as a whole, visibly.
  const time = checkSourceTime(change.changedAt, ctx.now, ctx.maxFutureSkewMs);
  if (time.outcome === 'refused') {
    p.refuse(
      change,
      null,
      null,
      null,
      time.reason,
      `${change.system} ${change.entity} ${change.externalId}: ${time.message}`,
    );
    return p.finish(null);
  }

  // Values first: a wrong value is refused with its reason, the rest of the change still counts.
  const { values, refused } = normalizeChange(config, change);
  for (const r of refused) p.refuse(change, null, r.field, r.value, r.reason, r.message);

  if (change.targetCustomerId) {
    const target = p.customer(change.targetCustomerId);
    if (!target || target.status !== 'active') {
      p.refuse(
        change,
        change.targetCustomerId,
        null,
        null,
        'customer_inactive',
        `customer ${change.targetCustomerId} is not active; the change is not applied`,
      );
      return p.finish(change.targetCustomerId);
    }
    applyToCustomer(p, target, change, values, false, false);
    return p.finish(target.id);
  }

  const xref = p.ref(change.system, change.entity, change.externalId);
  let customer: CustomerRecord | undefined;
  if (xref) {
    if (xref.status !== 'active') {
      p.refuse(
        change,
        xref.customerId,
        null,
        null,
        xref.status === 'deleted' ? 'record_deleted' : 'record_merged',
        `${change.system} ${change.entity} ${change.externalId} was ${xref.status}; a late change never brings it back`,
      );
      return p.finish(xref.customerId);
    }
    customer = p.customer(xref.customerId);
    if (customer && customer.status !== 'active') {
      p.refuse(
        change,
        customer.id,
        null,
        null,
        'customer_inactive',
        `customer ${customer.id} is ${customer.status}; the change is not applied`,
      );
      return p.finish(customer.id);
    }
  }

  if (change.deleted) {
    if (!customer) {
      p.refuse(
        change,
        null,
        null,
        null,
        'unknown_record',
        `${change.system} deleted ${change.entity} ${change.externalId}, which was never synced`,
      );
      tally.unchanged += 1;
      return p.finish(null);
    }
    tally.updated += change.mergedIntoExternalId
      ? mergeRecords(p, customer, change, change.mergedIntoExternalId)
      : deleteRecord(p, customer, change);
    return p.finish(customer.id);
  }

  let linkRule: string | null = null;
  if (!customer) {
    const found = match(p, change, values);
    if (found.kind === 'ambiguous') {
      const incoming = { ...change, changedAt: toIso(change.changedAt) };
      p.plan.matchReviews.push({
        id: ctx.newId(),
        entity: change.entity,
        system: change.system,
        externalId: change.externalId,
        candidates: found.candidates.map((customerId) => ({ customerId, rule: found.rule })),
        incoming,
        reason: `${change.system} ${change.entity} ${change.externalId} matches ${found.candidates.length} customers by ${found.rule}: a person decides`,
      });
      tally.conflicts += 1;
      return p.finish(null);
    }
    if (found.kind === 'matched') {
      customer = p.required(found.customerId);
      p.insertXref(change.system, change.entity, change.externalId, found.customerId, found.rule);
      linkRule = found.rule;
    }
  }

  if (!customer) {
    const created = create(p, change, values);
    if (created) tally.created += 1;
    return p.finish(created?.id ?? null);
  }

  // A record created from Switchboard's own event (linked by customer id) already has every value.
  applyToCustomer(
    p,
    customer,
    change,
    values,
    linkRule !== null,
    linkRule !== null && linkRule !== 'customer_id',
  );
  return p.finish(customer.id);
}

function match(p: Planner, change: SourceChange, values: FieldValues): MatchResult {
  if (change.forceCreate) return { kind: 'none' };
  if (change.switchboardCustomerId) {
    const known = p.s.customers.get(change.switchboardCustomerId);
    // A system learns a customer id only from the customer_synced events sent to it: an id it was
    // never sent is a guess (or another system's customer), so it links nothing and is matched as usual.
    if (
      known &&
      known.status === 'active' &&
      known.entity === change.entity &&
      known.syncedTargets.includes(change.system)
    ) {
      return { kind: 'matched', customerId: known.id, rule: 'customer_id' };
    }
    p.refuse(
      change,
      null,
      'switchboardCustomerId',
      change.switchboardCustomerId,
      'customer_id_not_sent',
      `${change.system} named customer ${change.switchboardCustomerId}, which was never sent to ${change.system}: the id is ignored and the record matched as usual`,
    );
  }
  const keys = matchKeysOfChange(change.entity, values);
  const byEmail = keys.email ? (p.s.byEmail.get(emailCandidateKey(change.entity, keys.email)) ?? []) : [];
  const byVat = keys.vat ? (p.s.byVat.get(keys.vat) ?? []) : [];
  return chooseMatch(byEmail, byVat, change.entity === 'account');
}

/** A new record takes every value it arrives with (nothing to protect yet); ownership rules every change after. */
function create(p: Planner, change: SourceChange, values: FieldValues): CustomerRecord | null {
  const entityPolicy = p.config.entities[change.entity];
  const missing = Object.values(entityPolicy.fields)
    .filter((policy) => policy !== undefined && policy.required && isBlank(values[policy.field]))
    .map((policy) => policy.field);
  if (missing.length > 0) {
    p.plan.rejected = { reason: 'required_field_missing', entity: change.entity, missing };
    return null;
  }
  const record: CustomerRecord = {
    id: p.ctx.newId(),
    entity: change.entity,
    status: 'active',
    parentId: null,
    parentRef: null,
    mergedInto: null,
    data: {},
    meta: {},
    version: 1,
    syncedTargets: [change.system],
  };
  for (const [field, value] of Object.entries(values) as Array<[CustomerFieldName, FieldValue]>) {
    if (value === null) continue;
    record.data[field] = value;
    record.meta[field] = {
      system: change.system,
      at: change.changedAt,
      seen: { [change.system]: change.changedAt },
    };
  }
  if (change.entity === 'contact' && change.accountExternalId)
    attachToAccount(p, record, change.system, change.accountExternalId);
  p.create(record);
  p.insertXref(change.system, change.entity, change.externalId, record.id, 'created');
  if (change.entity === 'account')
    p.plan.adoptions.push({ parentRef: `${change.system}:${change.externalId}`, accountId: record.id });
  const origin = originOf(change);
  p.audit(
    change.entity,
    Object.entries(record.data).map(([field, value]) =>
      auditEntry(record.id, 'create', field, null, value, origin),
    ),
  );
  publishChanges(p, record, Object.keys(record.data) as CustomerFieldName[], origin);
  return record;
}

/** A contact belongs to the account its system names; one not known yet adopts it when it comes. */
function attachToAccount(
  p: Planner,
  contact: CustomerRecord,
  system: string,
  accountExternalId: string,
): void {
  const account = p.ref(system, 'account', accountExternalId);
  contact.parentId = account ? account.customerId : null;
  contact.parentRef = account ? null : `${system}:${accountExternalId}`;
}

function applyToCustomer(
  p: Planner,
  customer: CustomerRecord,
  change: SourceChange,
  values: FieldValues,
  linkedNow: boolean,
  sendMissing: boolean,
): void {
  if (linkedNow) {
    p.audit(change.entity, [
      auditEntry(
        customer.id,
        'link',
        'crossReference',
        null,
        { system: change.system, externalId: change.externalId },
        originOf(change),
      ),
    ]);
    if (change.entity === 'account')
      p.plan.adoptions.push({ parentRef: `${change.system}:${change.externalId}`, accountId: customer.id });
  }
  if (change.entity === 'contact' && change.accountExternalId)
    attachToAccount(p, customer, change.system, change.accountExternalId);

  const changed = applyFields(p, customer, change, values);
  if (changed.length > 0) p.plan.tally.updated += 1;
  else p.plan.tally.unchanged += 1;
  if (!change.targetCustomerId && !customer.syncedTargets.includes(change.system))
    customer.syncedTargets.push(change.system);
  if (changed.length > 0) customer.version += 1;
  p.save(customer);
  if (changed.length > 0) publishChanges(p, customer, changed, originOf(change));
  if (linkedNow && sendMissing && p.ctx.sendToLinked && p.ctx.publish)
    sendToLinked(p, customer, change, values);
}

/** The per-field decisions; returns the fields whose canonical value changed. */
function applyFields(
  p: Planner,
  customer: CustomerRecord,
  change: SourceChange,
  values: FieldValues,
): CustomerFieldName[] {
  const tally = p.plan.tally;
  const echoes = p.s.echoes.get(customer.id) ?? [];
  const reviews = p.s.reviews.get(customer.id) ?? [];
  const changed: CustomerFieldName[] = [];
  const origin = originOf(change);
  for (const field of Object.keys(values) as CustomerFieldName[]) {
    const policy = fieldPolicyOf(p.config, change.entity, field)!;
    const value = values[field] ?? null;
    const state = fieldStateOf(customer, field);
    const incoming = { system: change.system, value, at: change.changedAt };
    const hash = valueHash(value);
    const echo = echoes.find((sent) => sent.field === field && sent.hash === hash);
    const decision = decideField(policy, state, incoming, {
      echo: echo !== undefined,
      reviewOpen: reviews.some((review) => review.field === field),
      notAfter: p.ctx.now + p.ctx.maxFutureSkewMs,
    });
    const markSeen = () => {
      if (!state) return;
      const next = nextFieldState(state, incoming, undefined);
      customer.meta[field] = { system: next.system, at: next.at, seen: next.seen };
    };
    switch (decision.outcome) {
      case 'applied': {
        const old = customer.data[field] ?? null;
        customer.data[field] = decision.value;
        const next = nextFieldState(state, incoming, decision.value);
        customer.meta[field] = { system: next.system, at: next.at, seen: next.seen };
        changed.push(field);
        p.audit(customer.entity, [auditEntry(customer.id, 'change', field, old, decision.value, origin)]);
        if (decision.conflict) tally.conflicts += 1;
        break;
      }
      case 'echo':
        tally.echoes += 1;
        p.plan.settledEchoes.push({ customerId: customer.id, target: change.system, field, seq: echo!.seq });
        markSeen();
        break;
      case 'unchanged':
        markSeen();
        break;
      case 'stale':
        tally.stale += 1;
        if (decision.conflict) tally.conflicts += 1;
        break;
      case 'lost':
        // Kept visible as a refusal, counted as a conflict (not as a refused change).
        tally.conflicts += 1;
        p.refuse(
          change,
          customer.id,
          field,
          value,
          'conflict_lost',
          `${change.system} changed ${field} while ${policy.master} (source of truth) did: ${policy.master}'s value is kept`,
        );
        tally.refused -= 1;
        markSeen();
        break;
      case 'refused':
        p.refuse(change, customer.id, field, value, decision.reason, decision.message);
        break;
      case 'review':
        tally.conflicts += 1;
        holdForReview(p, customer, field, state, incoming, change);
        markSeen();
        break;
    }
  }
  return changed;
}

function holdForReview(
  p: Planner,
  customer: CustomerRecord,
  field: CustomerFieldName,
  state: FieldState | undefined,
  incoming: { system: string; value: FieldValue; at: number },
  change: SourceChange,
): void {
  const candidate: ReviewCandidate = {
    system: incoming.system,
    value: incoming.value,
    changedAt: toIso(incoming.at),
    eventId: change.eventId,
  };
  const base = { entity: customer.entity, system: change.system, externalId: change.externalId };
  const held = (p.s.reviews.get(customer.id) ?? []).find((review) => review.field === field);
  if (held) {
    if (held.candidates.some((c) => c.system === candidate.system && valuesEqual(c.value, candidate.value)))
      return;
    p.plan.conflictReviews.push({
      ...base,
      review: { ...held, candidates: [...held.candidates, candidate] },
      opened: false,
      reason: '',
    });
    return;
  }
  const current: ReviewCandidate | null = state
    ? { system: state.system, value: state.value, changedAt: toIso(state.at), eventId: null, current: true }
    : null;
  p.plan.conflictReviews.push({
    ...base,
    review: {
      id: p.ctx.newId(),
      customerId: customer.id,
      field,
      candidates: current ? [current, candidate] : [candidate],
    },
    opened: true,
    reason: `${field} changed in ${state ? `${state.system} and ` : ''}${incoming.system} at the same time (manual review)`,
  });
}

/** A delete from the record's master deactivates the customer everywhere; from anyone else it only unlinks. */
function deleteRecord(p: Planner, customer: CustomerRecord, change: SourceChange): number {
  const xrefs = p.xrefsOf(customer.id).map((x) => ({ ...x }));
  const active = xrefs.filter((x) => x.status === 'active');
  const master = p.config.entities[customer.entity].recordMasters.find((system) =>
    active.some((x) => x.system === system),
  );
  p.setXrefStatus(change.system, change.entity, change.externalId, customer.id, 'deleted');
  if (master !== change.system) {
    p.refuse(
      change,
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
  p.save(customer);
  const origin = originOf(change);
  p.audit(customer.entity, [auditEntry(customer.id, 'deactivate', 'status', 'active', 'inactive', origin)]);
  // The linked systems, and those that only receive and were sent the customer (no link names them).
  const receiveOnly = receiveOnlyOf(p.config, customer.entity).filter((system) =>
    customer.syncedTargets.includes(system),
  );
  const targets = [
    ...new Set([...active.map((x) => x.system), ...receiveOnly].filter((system) => system !== change.system)),
  ];
  for (const target of targets) {
    p.plan.events.push({
      ...envelopeOf(customer, target, origin, xrefs),
      action: 'deactivate',
      fields: {},
      reason: 'deleted_in_master',
    });
  }
  return 1;
}

/** `system` merged record A into record B: their customers become one, with every cross-reference. */
function mergeRecords(
  p: Planner,
  loser: CustomerRecord,
  change: SourceChange,
  intoExternalId: string,
): number {
  const intoRef = p.ref(change.system, change.entity, intoExternalId);
  if (!intoRef) {
    // The surviving record is not known yet: it takes over this customer.
    p.insertXref(change.system, change.entity, intoExternalId, loser.id, 'merged_record');
    p.setXrefStatus(change.system, change.entity, change.externalId, loser.id, 'merged');
    return 1;
  }
  p.setXrefStatus(change.system, change.entity, change.externalId, loser.id, 'merged');
  if (intoRef.customerId === loser.id) return 1;
  const survivor = p.customer(intoRef.customerId);
  if (!survivor || survivor.status !== 'active') return 0;
  mergeCustomers(p, loser, survivor, originOf(change));
  return 1;
}

/** Merges `loser` into `survivor`: cross-references, contacts, open reviews, missing values and notes. */
function mergeCustomers(p: Planner, loser: CustomerRecord, survivor: CustomerRecord, origin: Origin): void {
  const before = p.xrefsOf(survivor.id).map((x) => ({ ...x }));
  const moved = p
    .xrefsOf(loser.id)
    .splice(0)
    .map((x) => ({ ...x, customerId: survivor.id }));
  p.xrefsOf(survivor.id).push(...moved);
  p.plan.xrefMoves.push({ from: loser.id, to: survivor.id });
  p.plan.childMoves.push({ from: loser.id, to: survivor.id });
  const survivorReviews = new Set((p.s.reviews.get(survivor.id) ?? []).map((review) => review.field));
  const reviewIds = (p.s.reviews.get(loser.id) ?? [])
    .filter((review) => !survivorReviews.has(review.field))
    .map((review) => review.id);
  if (reviewIds.length > 0) p.plan.reviewMoves.push({ ids: reviewIds, to: survivor.id });

  const taken: CustomerFieldName[] = [];
  const audits: AuditEntry[] = [];
  const auditOrigin = {
    system: String(origin.system),
    eventId: origin.eventId,
    actor: origin.actor,
    at: origin.at,
  };
  for (const [field, value] of Object.entries(loser.data) as Array<[CustomerFieldName, FieldValue]>) {
    if (value === null || value === undefined) continue;
    const policy = fieldPolicyOf(p.config, survivor.entity, field);
    const current = survivor.data[field];
    const next =
      policy?.strategy === 'merge' ? mergeText(current, value) : isBlank(current) ? value : current;
    if (valuesEqual(next, current)) continue;
    survivor.data[field] = next;
    survivor.meta[field] = loser.meta[field] ?? { system: String(origin.system), at: origin.at, seen: {} };
    taken.push(field);
    audits.push(auditEntry(survivor.id, 'merge', field, current ?? null, next, auditOrigin));
  }
  const after = [...p.xrefsOf(survivor.id)].sort(
    (a, b) =>
      a.createdAt - b.createdAt ||
      (a.system < b.system ? -1 : a.system > b.system ? 1 : 0) ||
      (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0),
  );
  const refs = (rows: CrossReference[]) =>
    rows.map((x) => ({ system: x.system, externalId: x.externalId, status: x.status }));
  audits.push(auditEntry(survivor.id, 'merge', 'crossReferences', refs(before), refs(after), auditOrigin));
  audits.push(auditEntry(loser.id, 'merge', 'status', loser.status, 'merged', auditOrigin));
  p.audit(survivor.entity, audits);

  loser.status = 'merged';
  loser.mergedInto = survivor.id;
  loser.version += 1;
  p.save(loser);
  survivor.version += 1;
  survivor.syncedTargets = [...new Set([...survivor.syncedTargets, ...loser.syncedTargets])];
  p.save(survivor);

  const targets = [...new Set(after.filter((x) => x.status === 'active').map((x) => x.system))].filter(
    (target) => target !== origin.system,
  );
  for (const target of targets) {
    const fields: Record<string, FieldValue> = {};
    for (const field of taken) {
      if (fieldPolicyOf(p.config, survivor.entity, field)?.receivers.includes(target))
        fields[field] = survivor.data[field] ?? null;
    }
    p.plan.events.push({
      ...envelopeOf(survivor, target, origin, after),
      action: 'merge',
      fields,
      mergedCustomerId: loser.id,
      reason: origin.reason ?? 'merged',
    });
  }
}

function countryOf(data: FieldValues): string | null {
  const address = (data.billingAddress ?? data.address) as Record<string, string | null> | null | undefined;
  return address?.country ?? null;
}

/**
 * One customer_synced per target that receives at least one changed field and lets the record
 * through its flow rules; never to the origin. A target that has not had the record yet gets every
 * field it receives (it creates the record).
 */
function publishChanges(
  p: Planner,
  customer: CustomerRecord,
  changed: CustomerFieldName[],
  origin: Origin,
): void {
  if (!p.ctx.publish) return;
  const xrefs = primaryRefs(p.xrefsOf(customer.id));
  const flowRecord = {
    country: countryOf(customer.data),
    accountType: (customer.data.accountType as string | undefined) ?? null,
    status: (customer.data.status as string | undefined) ?? null,
  };
  let targetsChanged = false;
  for (const target of receiversOf(p.config, customer.entity)) {
    if (target === origin.system) continue;
    const receives = (field: CustomerFieldName) =>
      fieldPolicyOf(p.config, customer.entity, field)?.receivers.includes(target) ?? false;
    const relevant = changed.filter(receives);
    if (relevant.length === 0) continue;
    if (!flowAllows(p.config, target, customer.entity, flowRecord)) continue;
    const knows = customer.syncedTargets.includes(target);
    const fields: Record<string, FieldValue> = {};
    const names = knows
      ? relevant
      : (Object.keys(customer.data) as CustomerFieldName[]).filter(
          (f) => receives(f) && customer.data[f] !== null,
        );
    for (const field of new Set([...names, ...relevant])) fields[field] = customer.data[field] ?? null;
    const accountRef =
      customer.entity === 'contact' && customer.parentId
        ? primaryRefs(p.xrefsOf(customer.parentId)).find((x) => x.system === target)
        : undefined;
    p.plan.events.push({
      ...envelopeOf(customer, target, origin, xrefs),
      ...(customer.entity === 'contact' && { accountTargetExternalId: accountRef?.externalId ?? null }),
      action: 'upsert',
      fields,
    });
    if (!knows) {
      customer.syncedTargets.push(target);
      targetsChanged = true;
    }
    for (const [field, value] of Object.entries(fields))
      p.plan.sent.push({ customerId: customer.id, target, field, hash: valueHash(value) });
  }
  if (targetsChanged) p.save(customer);
}

/**
 * A record just linked by matching gets the canonical values it receives and does not have yet,
 * so both systems agree from now on.
 */
function sendToLinked(p: Planner, customer: CustomerRecord, change: SourceChange, values: FieldValues): void {
  const target = change.system;
  const differing = (Object.keys(customer.data) as CustomerFieldName[]).filter(
    (field) =>
      customer.data[field] !== null &&
      fieldPolicyOf(p.config, customer.entity, field)?.receivers.includes(target) &&
      !valuesEqual(customer.data[field], values[field]),
  );
  if (differing.length === 0) return;
  const fields: Record<string, FieldValue> = {};
  for (const field of differing) fields[field] = customer.data[field] ?? null;
  const origin: Origin = {
    system: 'switchboard',
    eventId: change.eventId,
    actor: 'switchboard:matching',
    at: change.changedAt,
  };
  p.plan.events.push({
    ...envelopeOf(customer, target, origin, primaryRefs(p.xrefsOf(customer.id))),
    action: 'upsert',
    fields,
    reason: 'linked',
  });
  for (const [field, value] of Object.entries(fields))
    p.plan.sent.push({ customerId: customer.id, target, field, hash: valueHash(value) });
}

/** A decision of Switchboard itself (a steward's, a promotion): who it is from and whom it skips. */
export interface DecidedOrigin extends Origin {
  kind: AuditKind;
  /** The system the chosen value came from: it is not sent the value back. */
  skipTarget?: SourceSystem;
  /** The system recorded as the value's source (default: `system`). */
  valueSystem?: string;
}

/**
 * Values decided by Switchboard itself (a steward's decision, a promotion), written without the
 * ownership rules and published to their receivers.
 */
export function planDecided(
  snapshot: Snapshot,
  config: OwnershipConfig,
  customerId: string,
  values: FieldValues,
  origin: DecidedOrigin,
  ctx: PlanContext,
): { plan: Plan; changed: CustomerFieldName[] } {
  const p = new Planner(snapshot, config, ctx);
  const customer = p.required(customerId);
  const changed: CustomerFieldName[] = [];
  const audits: AuditEntry[] = [];
  const system = origin.valueSystem ?? String(origin.system);
  for (const [field, value] of Object.entries(values) as Array<[CustomerFieldName, FieldValue]>) {
    const state = fieldStateOf(customer, field);
    if (state && valuesEqual(state.value, value)) continue;
    const old = customer.data[field] ?? null;
    customer.data[field] = value;
    const seen = { ...(state?.seen ?? {}) };
    seen[system] = Math.max(seen[system] ?? origin.at, origin.at);
    customer.meta[field] = { system, at: Math.max(state?.at ?? origin.at, origin.at), seen };
    changed.push(field);
    audits.push(
      auditEntry(customer.id, origin.kind, field, old, value, { ...origin, system: String(origin.system) }),
    );
  }
  if (changed.length > 0) {
    customer.version += 1;
    p.audit(customer.entity, audits);
    p.save(customer);
    publishChanges(p, customer, changed, { ...origin, system: origin.skipTarget ?? origin.system });
  }
  return { plan: p.finish(customer.id), changed };
}

/** Every field of the customer to the receivers that do not have them yet (a promotion to the ERP). */
export function planPublishAll(
  snapshot: Snapshot,
  config: OwnershipConfig,
  customerId: string,
  origin: Origin,
  ctx: PlanContext,
): Plan {
  const p = new Planner(snapshot, config, ctx);
  const customer = p.required(customerId);
  publishChanges(p, customer, Object.keys(customer.data) as CustomerFieldName[], origin);
  return p.finish(customer.id);
}

/** Two customers found to be one (a deal linked to the ERP customer created meanwhile). */
export function planMerge(
  snapshot: Snapshot,
  config: OwnershipConfig,
  loserId: string,
  survivorId: string,
  origin: Origin,
  ctx: PlanContext,
): Plan {
  const p = new Planner(snapshot, config, ctx);
  mergeCustomers(p, p.required(loserId), p.required(survivorId), origin);
  return p.finish(survivorId);
}
