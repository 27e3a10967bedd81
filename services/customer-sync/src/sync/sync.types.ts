import type { CustomerEntity, EventMap, SourceSystem } from '@switchboard/contracts';

/** A change of one record in one system, whatever brought it (customer_updated, deal_won, a load file). */
export interface IncomingChange {
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
] as const;

export function emptyTally(): SyncTally {
  return { created: 0, updated: 0, unchanged: 0, conflicts: 0, refused: 0, echoes: 0, stale: 0, failed: 0 };
}

export function addTally(into: SyncTally, from: SyncTally): SyncTally {
  for (const key of TALLY_KEYS) into[key] += from[key];
  return into;
}

export type PublishedType = 'customer_synced' | 'crm_task_requested';

/** Where result events go: the inbox transaction's outbox (consumers) or the request's (HTTP). */
export interface SyncSink {
  publish<T extends PublishedType>(type: T, data: EventMap[T]): Promise<unknown>;
}
