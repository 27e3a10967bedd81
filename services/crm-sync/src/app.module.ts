import { Module } from '@nestjs/common';

import { ConnectorModule, connectorEnvClasses } from '@switchboard/connectors';
import { PlatformModule } from '@switchboard/platform';

import { CrmAccountsModule } from './crm-accounts/crm-accounts.module';
import { crmSyncService } from './service.definition';

@Module({
  imports: [
    PlatformModule.forService(crmSyncService, { env: connectorEnvClasses('crm') }),
    ConnectorModule.forCrm(),
    CrmAccountsModule,
  ],
})
export class AppModule {}
