import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';

import { Topic, type CloudEvent } from '@switchboard/contracts';
import type { InboxContext } from '@switchboard/inbox';

import { InvoicesService } from './invoices.service';

@Controller()
export class DealWonConsumer {
  constructor(private readonly invoices: InvoicesService) {}

  @EventPattern<string>(Topic.deal_won)
  onDealWon(@Payload() event: CloudEvent<'deal_won'>, @Ctx() ctx: InboxContext): Promise<void> {
    return this.invoices.invoiceDeal(event, ctx);
  }
}
