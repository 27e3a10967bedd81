import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';

import { Topic, type CloudEvent } from '@switchboard/contracts';
import { ChunkPattern, type ChunkContext } from '@switchboard/inbox';

import { InvoicesService } from './invoices.service';

@Controller()
export class DealWonConsumer {
  constructor(private readonly invoices: InvoicesService) {}

  @ChunkPattern(Topic.deal_won)
  onDealWon(@Payload() events: Array<CloudEvent<'deal_won'>>, @Ctx() chunk: ChunkContext): Promise<void> {
    return this.invoices.invoiceDeals(events, chunk);
  }
}
