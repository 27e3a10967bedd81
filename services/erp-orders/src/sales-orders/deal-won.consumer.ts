import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';

import { Topic, type CloudEvent } from '@switchboard/contracts';
import type { InboxContext } from '@switchboard/inbox';

import { SalesOrdersService } from './sales-orders.service';

@Controller()
export class DealWonConsumer {
  constructor(private readonly salesOrders: SalesOrdersService) {}

  /** The transport has validated the envelope and payload against the contract before this runs. */
  @EventPattern<string>(Topic.deal_won)
  onDealWon(@Payload() event: CloudEvent<'deal_won'>, @Ctx() ctx: InboxContext): Promise<void> {
    return this.salesOrders.createFromDeal(event, ctx);
  }
}
