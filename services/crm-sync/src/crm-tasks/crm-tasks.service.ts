import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import type { CloudEvent } from '@switchboard/contracts';
import { CRM_ACCOUNTS, type CrmAccounts } from '@switchboard/downstream';
import { EventRejected, type ChunkContext } from '@switchboard/inbox';

import { crmTaskEvents } from './crm-tasks.metrics';
import { assignTask } from './task-assignee';

@Injectable()
export class CrmTasksService {
  private readonly logger = new Logger(CrmTasksService.name);
  private readonly defaultOwner: string;

  constructor(
    @Inject(CRM_ACCOUNTS) private readonly crm: CrmAccounts,
    config: ConfigService,
  ) {
    this.defaultOwner = config.getOrThrow<string>('CRM_SYNC_DEFAULT_OWNER');
  }

  /**
   * `crm_task_requested`, an event at a time in partition order: a task in the CRM on the account,
   * for the requested assignee or, when the CRM does not know that login, the default owner
   * (assignTask). The inbox makes each event count once; the CRM finds a task again by its task id,
   * so a request redelivered after the CRM created the task but before the inbox committed is still
   * one task. An account or assignee the CRM cannot have dead-letters only its own event.
   */
  async openTasks(events: Array<CloudEvent<'crm_task_requested'>>, chunk: ChunkContext): Promise<void> {
    for (const event of events) {
      const request = event.data;
      const known = await chunk.within(event, () =>
        this.crm.knownUsers([request.assignee, this.defaultOwner]),
      );
      const assignment = assignTask(request.assignee, this.defaultOwner, known);
      if (!assignment.assign) {
        throw new EventRejected(
          'crm_assignee_unknown',
          `crm_task_requested ${request.taskId}: the CRM (${this.crm.name}) knows neither the assignee nor the default owner`,
        );
      }
      const outcome = await chunk.within(event, () =>
        this.crm.openTask({
          taskId: request.taskId,
          accountId: request.crmAccountId,
          assignee: assignment.assignee,
          subject: request.subject,
          description: request.description ?? null,
          priority: request.priority,
          reason: request.reason,
          sourceReference: request.sourceReference,
        }),
      );
      if (outcome === 'account_missing') {
        throw new EventRejected(
          'crm_account_missing',
          `crm_task_requested ${request.taskId}: the CRM (${this.crm.name}) has no account ${request.crmAccountId}`,
        );
      }
      if (assignment.fallback) {
        this.logger.log({
          msg: 'task assigned to the default owner: assignee unknown to the CRM',
          taskId: request.taskId,
        });
      }
      crmTaskEvents.inc({ outcome, assignee: assignment.fallback ? 'default_owner' : 'requested' });
    }
  }
}
