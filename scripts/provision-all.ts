import 'reflect-metadata';

import { provision, type ServiceDefinition } from '@switchboard/platform';

import { crmSyncService } from '../services/crm-sync/src/service.definition';
import { addressBookService } from '../services/address-book/src/service.definition';
import { customerSyncService } from '../services/customer-sync/src/service.definition';
import { erpOrdersService } from '../services/erp-orders/src/service.definition';
import { financeInvoicingService } from '../services/finance-invoicing/src/service.definition';
import { ingestService } from '../services/ingest/src/service.definition';
import { marketingSegmentsService } from '../services/marketing-segments/src/service.definition';
import { pollersService } from '../services/pollers/src/service.definition';
import { supportOnboardingService } from '../services/support-onboarding/src/service.definition';

/**
 * Local and test equivalent of the per-service migration Jobs of a release: every service's schema,
 * migrations and topics, one after the other.
 */
export const ALL_SERVICES: ServiceDefinition[] = [
  ingestService,
  erpOrdersService,
  financeInvoicingService,
  supportOnboardingService,
  marketingSegmentsService,
  customerSyncService,
  crmSyncService,
  pollersService,
  addressBookService,
];

async function main(): Promise<void> {
  for (const definition of ALL_SERVICES) {
    await provision(definition);
    console.log(`provisioned ${definition.name} (schema ${definition.schema})`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`provisioning failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
