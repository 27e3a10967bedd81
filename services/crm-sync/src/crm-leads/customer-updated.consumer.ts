import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';

import { Topic, type CloudEvent } from '@switchboard/contracts';
import { ChunkPattern, type ChunkContext } from '@switchboard/inbox';

import { CrmLeadsService } from './crm-leads.service';

@Controller()
export class CustomerUpdatedConsumer {
  constructor(private readonly leads: CrmLeadsService) {}

  /** The transport has validated the envelope and payload against the contract before this runs. */
  @ChunkPattern(Topic.customer_updated)
  onCustomerUpdated(
    @Payload() events: Array<CloudEvent<'customer_updated'>>,
    @Ctx() chunk: ChunkContext,
  ): Promise<void> {
    return this.leads.openLeads(events, chunk);
  }
}
