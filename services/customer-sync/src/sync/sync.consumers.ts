import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';

import { Topic, type CloudEvent } from '@switchboard/contracts';
import type { InboxContext } from '@switchboard/inbox';

import { SyncService } from './sync.service';

/** Thin adapters: the transport has validated envelope and payload; each event is one use case. */
@Controller()
export class SyncConsumers {
  constructor(private readonly sync: SyncService) {}

  @EventPattern<string>(Topic.customer_updated)
  onCustomerUpdated(
    @Payload() event: CloudEvent<'customer_updated'>,
    @Ctx() ctx: InboxContext,
  ): Promise<void> {
    return this.sync.customerUpdated(event, ctx);
  }

  @EventPattern<string>(Topic.deal_won)
  onDealWon(@Payload() event: CloudEvent<'deal_won'>, @Ctx() ctx: InboxContext): Promise<void> {
    return this.sync.dealWon(event, ctx);
  }

  @EventPattern<string>(Topic.sales_order_created)
  onSalesOrderCreated(
    @Payload() event: CloudEvent<'sales_order_created'>,
    @Ctx() ctx: InboxContext,
  ): Promise<void> {
    return this.sync.salesOrderCreated(event, ctx);
  }

  @EventPattern<string>(Topic.invoice_paid)
  onInvoicePaid(@Payload() event: CloudEvent<'invoice_paid'>, @Ctx() ctx: InboxContext): Promise<void> {
    return this.sync.invoicePaid(event, ctx);
  }

  @EventPattern<string>(Topic.ticket_escalated)
  onTicketEscalated(
    @Payload() event: CloudEvent<'ticket_escalated'>,
    @Ctx() ctx: InboxContext,
  ): Promise<void> {
    return this.sync.ticketEscalated(event, ctx);
  }
}
