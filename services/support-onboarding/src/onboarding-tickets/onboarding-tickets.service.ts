import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import type { CloudEvent, DealWonV1 } from '@switchboard/contracts';
import { DOWNSTREAM_CONNECTOR, type DownstreamConnector } from '@switchboard/downstream';
import { firstOfEach, type ChunkContext, type ResultOf } from '@switchboard/inbox';

import { OnboardingTicket } from './onboarding-ticket.entity';

@Injectable()
export class OnboardingTicketsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DOWNSTREAM_CONNECTOR) private readonly support: DownstreamConnector,
  ) {}

  /** `deal_won` -> one onboarding ticket per deal, assigned to the deal owner. */
  async openForDeals(events: Array<CloudEvent<'deal_won'>>, chunk: ChunkContext): Promise<void> {
    const tickets = firstOfEach(events, (event) => event.data.dealId).map((event) => ({
      event,
      ...ticketText(event.data),
    }));
    const inserted: Array<{ deal_id: string; ticket_number: string }> = await chunk.manager.query(
      `INSERT INTO onboarding_ticket (ticket_number, deal_id, crm_account_id, subject, body, assignee_crm_user_id, event_id)
       SELECT 'ONB-' || lpad(nextval('onboarding_ticket_number_seq')::text, 8, '0'), t.*
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[])
         AS t(deal_id, crm_account_id, subject, body, assignee_crm_user_id, event_id)
       ON CONFLICT (deal_id) DO NOTHING
       RETURNING deal_id, ticket_number`,
      [
        tickets.map(({ event }) => event.data.dealId),
        tickets.map(({ event }) => event.data.account.crmAccountId),
        tickets.map(({ subject }) => subject),
        tickets.map(({ body }) => body),
        tickets.map(({ event }) => event.data.owner.crmUserId),
        tickets.map(({ event }) => event.id),
      ],
    );
    const numbers = new Map(inserted.map((row) => [row.deal_id, row.ticket_number]));
    const results: Array<ResultOf<'onboarding_ticket_created'>> = [];
    for (const { event, subject } of tickets) {
      const deal = event.data;
      const ticketNumber = numbers.get(deal.dealId);
      if (!ticketNumber) continue;
      const ticket = { dealId: deal.dealId, ticketNumber, crmAccountId: deal.account.crmAccountId, subject };
      await chunk.within(event, () =>
        this.support.deliver({
          operation: 'tickets',
          idempotencyKey: event.id,
          body: ticket,
          event: { id: event.id, type: 'deal_won', data: deal },
        }),
      );
      results.push({ cause: event, data: ticket });
    }
    await chunk.publish('onboarding_ticket_created', results);
  }

  findByDeal(dealId: string): Promise<OnboardingTicket | null> {
    return this.dataSource.getRepository(OnboardingTicket).findOneBy({ dealId });
  }
}

function ticketText(deal: DealWonV1): { subject: string; body: string } {
  const body = [
    `Deal ${deal.dealId} closed on ${deal.closeDate}.`,
    `Products: ${deal.lines.map((line) => `${line.quantity} x ${line.description ?? line.crmProductId}`).join('; ')}`,
    deal.notes ? `Notes: ${deal.notes}` : null,
  ]
    .filter(Boolean)
    .join('\n');
  return { subject: `Onboarding: ${deal.account.name}`, body };
}
