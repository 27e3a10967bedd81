import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';

import { Topic, type CloudEvent } from '@switchboard/contracts';
import { ChunkPattern, type ChunkContext } from '@switchboard/inbox';

import { SalesOrdersService } from './sales-orders.service';

@Controller()
export class DealWonConsumer {
  constructor(private readonly salesOrders: SalesOrdersService) {}

  /** The transport has validated the envelope and payload against the contract before this runs. */
  @ChunkPattern(Topic.deal_won)
  onDealWon(@Payload() events: Array<CloudEvent<'deal_won'>>, @Ctx() chunk: ChunkContext): Promise<void> {
    return this.salesOrders.createFromDeals(events, chunk);
  }
}
