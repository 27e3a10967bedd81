import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ProtectedApi } from '@switchboard/platform';

import { OnboardingTicketDto, onboardingTicketDto } from './dto/onboarding-ticket.dto';
import { OnboardingTicketsService } from './onboarding-tickets.service';

/** Names, e-mails and amounts: a viewer token (401/403), per-token rate limit, no-store. */
@ProtectedApi('viewer')
@ApiTags('onboarding-tickets')
@Controller('v1/onboarding-tickets')
export class OnboardingTicketsController {
  constructor(private readonly tickets: OnboardingTicketsService) {}

  @Get('by-deal/:dealId')
  @ApiOperation({ summary: 'The onboarding ticket a won deal opened' })
  @ApiOkResponse({ type: OnboardingTicketDto })
  @ApiNotFoundResponse({ description: 'No onboarding ticket for this deal (yet)' })
  async byDeal(@Param('dealId') dealId: string): Promise<OnboardingTicketDto> {
    const ticket = await this.tickets.findByDeal(dealId);
    if (!ticket) throw new NotFoundException(`No onboarding ticket for deal ${dealId}`);
    return onboardingTicketDto(ticket);
  }
}
