import { Module } from '@nestjs/common';

import { CustomerSyncedConsumer } from './customer-synced.consumer';
import { CustomersService } from './customers.service';

@Module({
  controllers: [CustomerSyncedConsumer],
  providers: [CustomersService],
})
export class CustomersModule {}
