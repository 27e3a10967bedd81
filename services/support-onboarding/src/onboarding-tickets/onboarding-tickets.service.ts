import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import type { CloudEvent } from '@switchboard/contracts';
import type { DownstreamConnector } from '@switchboard/connectors';
import type { InboxContext } from '@switchboard/inbox';
import { DOWNSTREAM_CONNECTOR } from '@switchboard/platform';

import { OnboardingTicket } from './onboarding-ticket.entity';

@Injectable()
export class OnboardingTicketsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DOWNSTREAM_CONNECTOR) private readonly support: DownstreamConnector,
  ) {}

  /** `deal_won` -> one onboarding ticket per deal, assigned to the deal owner. */
  async openForDeal(event: CloudEvent<'deal_won'>, ctx: InboxContext): Promise<void> {
    const deal = event.data;
    const subject = `Onboarding: ${deal.account.name}`;
    const body = [
      `Deal ${deal.dealId} closed on ${deal.closeDate}.`,
      `Products: ${deal.lines.map((line) => `${line.quantity} x ${line.description ?? line.crmProductId}`).join('; ')}`,
      deal.notes ? `Notes: ${deal.notes}` : null,
    ]
      .filter(Boolean)
      .join('\n');
    const inserted: Array<{ ticket_number: string }> = await ctx.manager.query(
      `INSERT INTO onboarding_ticket (ticket_number, deal_id, crm_account_id, subject, body, assignee_crm_user_id, event_id)
       VALUES ('ONB-' || lpad(nextval('onboarding_ticket_number_seq')::text, 8, '0'), $1, $2, $3, $4, $5, $6)
       ON CONFLICT (deal_id) DO NOTHING
       RETURNING ticket_number`,
      [deal.dealId, deal.account.crmAccountId, subject, body, deal.owner.crmUserId, event.id],
    );
    const ticketNumber = inserted[0]?.ticket_number;
    if (!ticketNumber) return;
    const ticket = {
      dealId: deal.dealId,
      ticketNumber,
      crmAccountId: deal.account.crmAccountId,
      subject,
    };
    await this.support.deliver({
      operation: 'tickets',
      idempotencyKey: event.id,
      body: ticket,
      event: { id: event.id, type: 'deal_won', data: deal },
    });
    await ctx.publish('onboarding_ticket_created', ticket);
  }

  findByDeal(dealId: string): Promise<OnboardingTicket | null> {
    return this.dataSource.getRepository(OnboardingTicket).findOneBy({ dealId });
  }
}
