import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';

import { Topic, type CloudEvent } from '@switchboard/contracts';
import type { InboxContext } from '@switchboard/inbox';

import { SegmentsService } from './segments.service';

@Controller()
export class DealWonConsumer {
  constructor(private readonly segments: SegmentsService) {}

  @EventPattern<string>(Topic.deal_won)
  onDealWon(@Payload() event: CloudEvent<'deal_won'>, @Ctx() ctx: InboxContext): Promise<void> {
    return this.segments.promoteToCustomer(event, ctx);
  }
}
