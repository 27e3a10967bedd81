import { Module } from '@nestjs/common';

import { CrmAccountsService } from './crm-accounts.service';
import { CustomerSyncedConsumer } from './customer-synced.consumer';

@Module({
  controllers: [CustomerSyncedConsumer],
  providers: [CrmAccountsService],
})
export class CrmAccountsModule {}
