import { Module } from '@nestjs/common';

import { ConnectorModule, connectorEnvClasses } from '@switchboard/connectors';
import { PlatformModule } from '@switchboard/platform';

import { CrmSyncEnv } from './config/crm-sync.env';
import { CrmAccountsModule } from './crm-accounts/crm-accounts.module';
import { CrmLeadsModule } from './crm-leads/crm-leads.module';
import { CrmTasksModule } from './crm-tasks/crm-tasks.module';
import { crmSyncService } from './service.definition';

@Module({
  imports: [
    PlatformModule.forService(crmSyncService, { env: [...connectorEnvClasses('crm'), CrmSyncEnv] }),
    ConnectorModule.forCrm(),
    CrmAccountsModule,
    CrmTasksModule,
    CrmLeadsModule,
  ],
})
export class AppModule {}
