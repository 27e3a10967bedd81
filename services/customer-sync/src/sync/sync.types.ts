import type { EventMap } from '@switchboard/contracts';
import type { SourceChange } from '@switchboard/master-data';

export { TALLY_KEYS, addTally, emptyTally, type SyncTally } from '@switchboard/master-data';

/** A change of one record in one system, whatever brought it (customer_updated, deal_won, a load file). */
export type IncomingChange = SourceChange;

export type PublishedType = 'customer_synced' | 'crm_task_requested';

/** Where result events go: the inbox transaction's outbox (consumers) or the request's (HTTP). */
export interface SyncSink {
  publish<T extends PublishedType>(type: T, data: EventMap[T]): Promise<unknown>;
}
