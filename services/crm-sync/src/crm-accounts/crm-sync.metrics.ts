import { Counter } from 'prom-client';

/**
 * customer_synced events by what crm-sync did with them: `applied`, `unchanged` (the CRM already
 * showed every value), `stale` (a version at or below the one applied: a replay or a late delivery),
 * or skipped (`skipped_<reason>`, see CrmSkip). Counted when handled; a chunk rolled back and retried
 * counts its events again.
 */
export const crmSyncEvents = new Counter({
  name: 'switchboard_crm_sync_events_total',
  help: 'customer_synced events handled by crm-sync, by outcome (applied, unchanged, stale, skipped_*)',
  labelNames: ['outcome'] as const,
});
