import { Module } from '@nestjs/common';

import { CrmTaskRequestedConsumer } from './crm-task-requested.consumer';
import { CrmTasksService } from './crm-tasks.service';

@Module({
  controllers: [CrmTaskRequestedConsumer],
  providers: [CrmTasksService],
})
export class CrmTasksModule {}
