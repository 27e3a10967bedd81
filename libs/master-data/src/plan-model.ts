import type { CustomerEntity, CustomerSyncedV1, SourceSystem } from '@switchboard/contracts';

import type { FieldState } from './decide';
import type { CustomerFieldName, FieldValues } from './fields';
import { normalizeEmail, normalizeVat } from './normalize';

// What the sync planner reads and writes: the change, the snapshot of what it touches, the plan.

/** A change of one record in one system, whatever brought it (customer_updated, deal_won, a load file). */
export interface SourceChange {
  system: SourceSystem;
  entity: CustomerEntity;
  externalId: string;
  /** Source timestamp, epoch ms. */
  changedAt: number;
  /** Raw values as received; an absent key is unchanged, null is cleared. */
  fields: Record<string, unknown>;
  deleted?: boolean;
  mergedIntoExternalId?: string | null;
  accountExternalId?: string | null;
  switchboardCustomerId?: string | null;
  eventId: string | null;
  actor: string;
  /** Set when a data steward decided the record is new (an ambiguous match resolved as "create"). */
  forceCreate?: boolean;
  /** Apply to this customer, without cross-reference or matching (finance signals keyed by another system's id). */
  targetCustomerId?: string | null;
  reason?: string | null;
}

/** Per-field provenance as stored beside the value. */
export type FieldMeta = Omit<FieldState, 'value'>;

export type RecordStatus = 'active' | 'inactive' | 'merged';

/** A canonical customer record (account or contact). */
export interface CustomerRecord {
  id: string;
  entity: CustomerEntity;
  status: RecordStatus;
  parentId: string | null;
  /** `system:externalId` of an account not known yet: the account adopts the contact when it comes. */
  parentRef: string | null;
  mergedInto: string | null;
  data: FieldValues;
  meta: Partial<Record<CustomerFieldName, FieldMeta>>;
  version: number;
  /** The systems that have had the record (were sent it, or sent it). */
  syncedTargets: string[];
}

export type XrefStatus = 'active' | 'deleted' | 'merged';

/** A system's record id for a customer. */
export interface CrossReference {
  system: SourceSystem;
  entity: CustomerEntity;
  externalId: string;
  customerId: string;
  status: XrefStatus;
  matchedBy: string;
  /** Epoch ms: the oldest active one per system is the customer's id there. */
  createdAt: number;
}

export interface ReviewCandidate {
  system: string;
  value: unknown;
  changedAt: string;
  eventId: string | null;
  current?: boolean;
}

/** An open conflict review of one field. */
export interface OpenReview {
  id: string;
  customerId: string;
  field: string;
  candidates: ReviewCandidate[];
}

/** A value sent to the change's system that has not come back yet. */
export interface PendingEcho {
  seq: string;
  field: string;
  hash: string;
}

/** Everything a change (or a batch of them) may read, loaded before planning. */
export interface Snapshot {
  customers: Map<string, CustomerRecord>;
  /** Cross-references of the customers above (every status), oldest first. */
  xrefs: Map<string, CrossReference[]>;
  /** Cross-references looked up by `refKey` (the change's own, its account's, a merge's survivor); null: none. */
  refs: Map<string, CrossReference | null>;
  /** Active customers by `emailCandidateKey` and by VAT key. */
  byEmail: Map<string, string[]>;
  byVat: Map<string, string[]>;
  /** Open conflict reviews by customer id. */
  reviews: Map<string, OpenReview[]>;
  /** Values sent to the change's system and not back yet, by customer id. */
  echoes: Map<string, PendingEcho[]>;
}

export function emptySnapshot(): Snapshot {
  return {
    customers: new Map(),
    xrefs: new Map(),
    refs: new Map(),
    byEmail: new Map(),
    byVat: new Map(),
    reviews: new Map(),
    echoes: new Map(),
  };
}

export function refKey(system: string, entity: string, externalId: string): string {
  return `${system}\u0000${entity}\u0000${externalId}`;
}

export function emailCandidateKey(entity: string, emailKey: string): string {
  return `${entity}\u0000${emailKey}`;
}

/** What happened to the records and fields of a change, summed into the run reports. */
export interface SyncTally {
  created: number;
  updated: number;
  unchanged: number;
  conflicts: number;
  refused: number;
  echoes: number;
  stale: number;
  failed: number;
}

export const TALLY_KEYS = [
  'created',
  'updated',
  'unchanged',
  'conflicts',
  'refused',
  'echoes',
  'stale',
  'failed',
] as const satisfies ReadonlyArray<keyof SyncTally>;

export function emptyTally(): SyncTally {
  return { created: 0, updated: 0, unchanged: 0, conflicts: 0, refused: 0, echoes: 0, stale: 0, failed: 0 };
}

export function addTally(into: SyncTally, from: SyncTally): SyncTally {
  for (const key of TALLY_KEYS) into[key] += from[key];
  return into;
}

export type AuditKind = 'create' | 'change' | 'resolution' | 'merge' | 'link' | 'deactivate' | 'signal';

export interface AuditEntry {
  customerId: string;
  kind: AuditKind;
  field: string;
  oldValue: unknown;
  newValue: unknown;
  sourceSystem: string;
  eventId: string | null;
  actor: string;
  sourceChangedAt: number;
}

export type RefusalReason =
  | 'future_timestamp'
  | 'not_synced'
  | 'invalid_value'
  | 'customer_inactive'
  | 'record_deleted'
  | 'record_merged'
  | 'unknown_record'
  | 'customer_id_not_sent'
  | 'delete_not_master'
  | 'conflict_lost'
  | 'not_owner'
  | 'required';

export interface RefusedEntry {
  customerId: string | null;
  system: string;
  entity: CustomerEntity;
  externalId: string;
  field: string | null;
  value: unknown;
  reason: RefusalReason;
  message: string;
  eventId: string | null;
  sourceChangedAt: number | null;
}

/** A customer row to write, with the matching keys it is found by. */
export interface RecordWrite {
  record: CustomerRecord;
  emailKey: string | null;
  vatKey: string | null;
}

/** One open review per record: a later change of the same record replaces the held one. */
export interface MatchReview {
  id: string;
  entity: CustomerEntity;
  system: SourceSystem;
  externalId: string;
  candidates: Array<{ customerId: string; rule: string }>;
  incoming: unknown;
  reason: string;
}

export interface ConflictReviewWrite {
  review: OpenReview;
  /** Opened by this plan (insert) or a held one that got a candidate (update). */
  opened: boolean;
  entity: CustomerEntity;
  system: SourceSystem;
  externalId: string;
  reason: string;
}

export interface SentValue {
  customerId: string;
  target: string;
  field: string;
  hash: string;
}

/** A new customer cannot be created: refused as a whole (the event is rejected, a load row fails). */
export interface Rejection {
  reason: 'required_field_missing';
  entity: CustomerEntity;
  missing: CustomerFieldName[];
}

/** Every write and event of one change (or one batch), in no particular order within a kind. */
export interface Plan {
  /** The customer the change ended on (for the caller's answer). */
  customerId: string | null;
  tally: SyncTally;
  rejected: Rejection | null;
  inserts: RecordWrite[];
  /** The final state of each existing customer the plan changes. */
  updates: RecordWrite[];
  newXrefs: CrossReference[];
  xrefStatus: Array<{ system: string; entity: string; externalId: string; status: XrefStatus }>;
  /** Every cross-reference of `from` now points at `to` (a merge). */
  xrefMoves: Array<{ from: string; to: string }>;
  /** Contacts waiting for `parentRef` get their account. */
  adoptions: Array<{ parentRef: string; accountId: string }>;
  /** The contacts of `from` now belong to `to` (a merge). */
  childMoves: Array<{ from: string; to: string }>;
  audits: AuditEntry[];
  refusals: RefusedEntry[];
  matchReviews: MatchReview[];
  conflictReviews: ConflictReviewWrite[];
  /** Open reviews moved to another customer (a merge). */
  reviewMoves: Array<{ ids: string[]; to: string }>;
  /** Echoes that came back: the value and every older one sent for the field are settled. */
  settledEchoes: Array<{ customerId: string; target: string; field: string; seq: string }>;
  /** The echo memory: what was sent to each target, recognised when it comes back. */
  sent: SentValue[];
  events: CustomerSyncedV1[];
}

export function emptyPlan(): Plan {
  return {
    customerId: null,
    tally: emptyTally(),
    rejected: null,
    inserts: [],
    updates: [],
    newXrefs: [],
    xrefStatus: [],
    xrefMoves: [],
    adoptions: [],
    childMoves: [],
    audits: [],
    refusals: [],
    matchReviews: [],
    conflictReviews: [],
    reviewMoves: [],
    settledEchoes: [],
    sent: [],
    events: [],
  };
}

/** Who a write is attributed to in events and audit rows. */
export interface Origin {
  system: SourceSystem | 'switchboard';
  eventId: string | null;
  actor: string;
  at: number;
  reason?: string | null;
}

export interface PlanContext {
  /** Now, epoch ms: source timestamps later than now plus the skew are refused. */
  now: number;
  maxFutureSkewMs: number;
  /** New ids (customers, reviews). */
  newId: () => string;
  /**
   * A record linked by matching gets the canonical values it lacks sent back to its system (live
   * sync); an initial load never writes back to the system it loads from.
   */
  sendToLinked: boolean;
  /** False: only the canonical store is built, nothing is sent (a load with --no-publish). */
  publish: boolean;
}

export function matchKeysOf(data: FieldValues): { email: string | null; vat: string | null } {
  return {
    email: normalizeEmail(typeof data.email === 'string' ? data.email : null),
    vat: normalizeVat(typeof data.vatNumber === 'string' ? data.vatNumber : null),
  };
}
