import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';

import { Topic, type CloudEvent } from '@switchboard/contracts';
import { ChunkPattern, type ChunkContext } from '@switchboard/inbox';

import { SegmentsService } from './segments.service';

/** What finance and support say of an account moves its contacts: paying, or at risk. */
@Controller()
export class AccountSignalsConsumer {
  constructor(private readonly segments: SegmentsService) {}

  @ChunkPattern(Topic.invoice_paid)
  onInvoicePaid(
    @Payload() events: Array<CloudEvent<'invoice_paid'>>,
    @Ctx() chunk: ChunkContext,
  ): Promise<void> {
    return this.segments.moveAccountContacts('invoice_paid', events, chunk);
  }

  @ChunkPattern(Topic.ticket_escalated)
  onTicketEscalated(
    @Payload() events: Array<CloudEvent<'ticket_escalated'>>,
    @Ctx() chunk: ChunkContext,
  ): Promise<void> {
    return this.segments.moveAccountContacts('ticket_escalated', events, chunk);
  }
}
