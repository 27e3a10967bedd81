import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';

import { Topic, type CloudEvent } from '@switchboard/contracts';
import type { InboxContext } from '@switchboard/inbox';

import { CustomersService } from './customers.service';

@Controller()
export class CustomerSyncedConsumer {
  constructor(private readonly customers: CustomersService) {}

  /** The transport has validated the envelope and payload against the contract before this runs. */
  @EventPattern<string>(Topic.customer_synced)
  onCustomerSynced(@Payload() event: CloudEvent<'customer_synced'>, @Ctx() ctx: InboxContext): Promise<void> {
    return this.customers.applySynced(event, ctx);
  }
}
