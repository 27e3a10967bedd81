import { Counter } from 'prom-client';

/**
 * customer_synced events by what erp-orders did with them: `applied` (some field was news), `stale`
 * (every field already written by a newer or the same version: a duplicate or an out-of-order delivery), `skipped_other_target` (addressed to another
 * system), `skipped_contact` (the ERP keeps accounts only). Counted when handled; a batch rolled
 * back and retried counts its events again.
 */
export const customerSyncEvents = new Counter({
  name: 'switchboard_erp_customer_sync_events_total',
  help: 'customer_synced events handled by erp-orders, by outcome (applied, stale, skipped_other_target, skipped_contact)',
  labelNames: ['outcome'] as const,
});
