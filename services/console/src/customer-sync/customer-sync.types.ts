/** What customer-sync's API answers (services/customer-sync: review, customers), as the console reads it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface ReviewCandidate {
  system?: string;
  value?: JsonValue;
  changedAt?: string;
  customerId?: string;
  eventId?: string | null;
  /** The canonical value when the conflict was opened. */
  current?: boolean;
  /** How an ambiguous match found this customer (email, vat). */
  rule?: string;
}

export interface ReviewItem {
  id: string;
  kind: 'conflict' | 'ambiguous_match';
  status: 'open' | 'resolved';
  customerId: string | null;
  entity: 'account' | 'contact';
  field: string | null;
  system: string | null;
  externalId: string | null;
  candidates: ReviewCandidate[];
  reason: string | null;
  createdAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolution: Record<string, JsonValue> | null;
}

/** One of: a candidate's index, a value of the steward's own, the right customer, or a new one. */
export interface ResolveRequest {
  candidate?: number;
  value?: string | null;
  customerId?: string;
  createNew?: boolean;
}

export interface CrossReference {
  system: string;
  externalId: string;
  status: string;
  matchedBy: string | null;
  linkedAt: string;
}

export interface CustomerView {
  id: string;
  entity: 'account' | 'contact';
  status: string;
  accountId: string | null;
  mergedInto: string | null;
  fields: Record<string, JsonValue>;
  version: number;
  syncedTargets: string[];
  createdAt: string;
  updatedAt: string;
  crossReferences: CrossReference[];
  contacts: Array<{ id: string; status: string; fields: Record<string, JsonValue> }>;
}

export interface AuditEntry {
  seq: string;
  kind: string;
  field: string | null;
  oldValue: JsonValue;
  newValue: JsonValue;
  sourceSystem: string | null;
  eventId: string | null;
  actor: string | null;
  changedAt: string | null;
  recordedAt: string;
}

export interface RefusedChange {
  seq: string;
  system: string;
  externalId: string;
  field: string | null;
  value: JsonValue;
  reason: string;
  message: string | null;
  eventId: string | null;
  changedAt: string | null;
  recordedAt: string;
}

export interface FieldRule {
  master: string;
  writers: string[];
  receivers: string[];
  strategy: string;
  required: boolean;
  conflictWindowSeconds: number;
}

export interface Ownership {
  version: string;
  defaultAccountOwner: string;
  entities: Record<string, Record<string, FieldRule>>;
}

/** One report of customer-sync (GET /v1/sync-reports): an incremental window's or an initial load's. */
export interface SyncReport {
  report: {
    kind: 'incremental' | 'initial_load';
    id: string;
    windowStart: string;
    windowEnd: string;
    counts: Record<string, number>;
    /** Initial loads only. */
    file?: string;
    records?: number;
    recordsPerSecond?: number;
  };
  createdAt: string;
  sentAt: string | null;
  sendAttempts: number;
  lastError: string | null;
}

/** One initial load (GET /v1/initial-loads), running or completed. */
export interface InitialLoad {
  id: string;
  system: string;
  file: string;
  status: 'running' | 'completed';
  records: number;
  bytesRead: number;
  fileSize: number;
  /** bytesRead / fileSize, 0..1. */
  progress: number;
  counts: Record<string, number>;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
}
