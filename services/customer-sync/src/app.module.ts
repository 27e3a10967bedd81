import { Module } from '@nestjs/common';

import { PlatformModule } from '@switchboard/platform';

import { CustomerSyncEnv } from './config/customer-sync.env';
import { OwnershipApiModule } from './ownership-api/ownership-api.module';
import { customerSyncService } from './service.definition';
import { SyncModule } from './sync/sync.module';

@Module({
  imports: [
    PlatformModule.forService(customerSyncService, { env: [CustomerSyncEnv] }),
    SyncModule,
    OwnershipApiModule,
  ],
})
export class AppModule {}
