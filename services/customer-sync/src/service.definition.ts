import type { ServiceDefinition } from '@switchboard/platform';

import { CustomerSyncTables1763866000000 } from './migrations/1763866000000-CustomerSyncTables';
import { CustomerMergedIntoIndex1763866000001 } from './migrations/1763866000001-CustomerMergedIntoIndex';
import { ExportAudit1763866000002 } from './migrations/1763866000002-ExportAudit';
import { ReportSendLease1763866000003 } from './migrations/1763866000003-ReportSendLease';

/**
 * Customer master data kept in step across the CRM, ERP, finance, support, marketing and e-commerce:
 * one canonical customer per real one, ownership per field from deploy/ownership.yaml.
 */
export const customerSyncService: ServiceDefinition = {
  name: 'customer-sync',
  apiTokensVariable: 'CUSTOMER_SYNC_API_TOKENS',
  schema: 'customer_sync',
  defaultPort: 3005,
  consumes: ['customer_updated', 'deal_won', 'sales_order_created', 'invoice_paid', 'ticket_escalated'],
  produces: ['customer_synced', 'crm_task_requested'],
  // Plain SQL on purpose: the canonical record is jsonb with per-field metadata, matched and locked by hand.
  entities: [],
  migrations: [
    CustomerSyncTables1763866000000,
    CustomerMergedIntoIndex1763866000001,
    ExportAudit1763866000002,
    ReportSendLease1763866000003,
  ],
};
