import { ApiProperty } from '@nestjs/swagger';

import type { OnboardingTicket } from '../onboarding-ticket.entity';

/** The onboarding ticket a won deal opened in the support system. */
export class OnboardingTicketDto {
  @ApiProperty()
  ticketNumber!: string;

  @ApiProperty()
  dealId!: string;

  @ApiProperty()
  crmAccountId!: string;

  @ApiProperty()
  subject!: string;

  @ApiProperty()
  body!: string;

  @ApiProperty({ enum: ['open', 'in_progress', 'closed'] })
  status!: OnboardingTicket['status'];

  @ApiProperty()
  assigneeCrmUserId!: string;

  @ApiProperty({ format: 'uuid', description: 'The deal_won event that opened it' })
  eventId!: string;

  @ApiProperty()
  createdAt!: Date;
}

export function onboardingTicketDto(ticket: OnboardingTicket): OnboardingTicketDto {
  return {
    ticketNumber: ticket.ticketNumber,
    dealId: ticket.dealId,
    crmAccountId: ticket.crmAccountId,
    subject: ticket.subject,
    body: ticket.body,
    status: ticket.status,
    assigneeCrmUserId: ticket.assigneeCrmUserId,
    eventId: ticket.eventId,
    createdAt: ticket.createdAt,
  };
}
