import { Controller, Get, NotFoundException, Param } from '@nestjs/common';

import { ProtectedApi } from '@switchboard/platform';

import type { OnboardingTicket } from './onboarding-ticket.entity';
import { OnboardingTicketsService } from './onboarding-tickets.service';

/** Names, e-mails and amounts: a viewer token (401/403), per-token rate limit, no-store. */
@ProtectedApi('viewer')
@Controller('v1/onboarding-tickets')
export class OnboardingTicketsController {
  constructor(private readonly tickets: OnboardingTicketsService) {}

  @Get('by-deal/:dealId')
  async byDeal(@Param('dealId') dealId: string): Promise<OnboardingTicket> {
    const ticket = await this.tickets.findByDeal(dealId);
    if (!ticket) throw new NotFoundException(`No onboarding ticket for deal ${dealId}`);
    return ticket;
  }
}
