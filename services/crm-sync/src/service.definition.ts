import type { ServiceDefinition } from '@switchboard/platform';

import { CrmAccountSync } from './crm-accounts/crm-account-sync.entity';
import { CrmSyncTables1763866000000 } from './migrations/1763866000000-CrmSyncTables';

export const crmSyncService: ServiceDefinition = {
  name: 'crm-sync',
  schema: 'crm_sync',
  defaultPort: 3007,
  consumes: ['customer_synced', 'crm_task_requested', 'customer_updated'],
  produces: [],
  downstream: 'crm',
  entities: [CrmAccountSync],
  migrations: [CrmSyncTables1763866000000],
};
