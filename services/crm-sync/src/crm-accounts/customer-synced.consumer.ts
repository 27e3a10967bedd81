import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';

import { Topic, type CloudEvent } from '@switchboard/contracts';
import { ChunkPattern, type ChunkContext } from '@switchboard/inbox';

import { CrmAccountsService } from './crm-accounts.service';

@Controller()
export class CustomerSyncedConsumer {
  constructor(private readonly accounts: CrmAccountsService) {}

  /** The transport has validated the envelope and payload against the contract before this runs. */
  @ChunkPattern(Topic.customer_synced)
  onCustomerSynced(
    @Payload() events: Array<CloudEvent<'customer_synced'>>,
    @Ctx() chunk: ChunkContext,
  ): Promise<void> {
    return this.accounts.applySynced(events, chunk);
  }
}
