import { Counter } from 'prom-client';

/**
 * customer_updated events by what crm-sync did with them as leads: `created` (a new CRM account owned
 * by the default owner), `exists` (the CRM already has the lead's account), or skipped
 * (`skipped_<reason>`, see LeadSkip). Counted when handled; a chunk retried counts its events again.
 */
export const crmLeadEvents = new Counter({
  name: 'switchboard_crm_sync_leads_total',
  help: 'customer_updated events handled by crm-sync as leads, by outcome (created, exists, skipped_*)',
  labelNames: ['outcome'] as const,
});
