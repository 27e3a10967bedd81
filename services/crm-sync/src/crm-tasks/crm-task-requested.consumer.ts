import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';

import { Topic, type CloudEvent } from '@switchboard/contracts';
import { ChunkPattern, type ChunkContext } from '@switchboard/inbox';

import { CrmTasksService } from './crm-tasks.service';

@Controller()
export class CrmTaskRequestedConsumer {
  constructor(private readonly tasks: CrmTasksService) {}

  /** The transport has validated the envelope and payload against the contract before this runs. */
  @ChunkPattern(Topic.crm_task_requested)
  onCrmTaskRequested(
    @Payload() events: Array<CloudEvent<'crm_task_requested'>>,
    @Ctx() chunk: ChunkContext,
  ): Promise<void> {
    return this.tasks.openTasks(events, chunk);
  }
}
