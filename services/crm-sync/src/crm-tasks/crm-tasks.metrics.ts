import { Counter } from 'prom-client';

/**
 * crm_task_requested events by what crm-sync did: `created` (a task opened in the CRM) or `exists`
 * (the CRM already had the task: a repeat after a crash), and whom it went to: `requested` (the
 * account's owner, or the default owner customer-sync chose) or `default_owner` (the CRM did not know
 * the requested login). Counted when handled; a chunk rolled back and retried counts its events again.
 */
export const crmTaskEvents = new Counter({
  name: 'switchboard_crm_sync_tasks_total',
  help: 'crm_task_requested events handled by crm-sync, by outcome (created, exists) and assignee (requested, default_owner)',
  labelNames: ['outcome', 'assignee'] as const,
});
