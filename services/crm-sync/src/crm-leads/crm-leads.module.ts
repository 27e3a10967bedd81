import { Module } from '@nestjs/common';

import { CrmLeadsService } from './crm-leads.service';
import { CustomerUpdatedConsumer } from './customer-updated.consumer';

@Module({
  controllers: [CustomerUpdatedConsumer],
  providers: [CrmLeadsService],
})
export class CrmLeadsModule {}
