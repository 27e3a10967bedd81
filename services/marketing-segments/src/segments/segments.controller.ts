import { Controller, Get, NotFoundException, Param } from '@nestjs/common';

import { ProtectedApi } from '@switchboard/platform';

import type { SegmentMembership } from './segment-membership.entity';
import { SegmentsService } from './segments.service';

/** Names, e-mails and amounts: a viewer token (401/403), per-token rate limit, no-store. */
@ProtectedApi('viewer')
@Controller('v1/segment-memberships')
export class SegmentsController {
  constructor(private readonly segments: SegmentsService) {}

  /** The segment move a deal caused. */
  @Get('by-deal/:dealId')
  async byDeal(@Param('dealId') dealId: string): Promise<SegmentMembership> {
    const [membership] = await this.segments.byDeal(dealId);
    if (!membership) throw new NotFoundException(`No segment move for deal ${dealId}`);
    return membership;
  }

  /** Every segment a contact has been in, oldest first. */
  @Get('by-contact/:contactId')
  history(@Param('contactId') contactId: string): Promise<SegmentMembership[]> {
    return this.segments.historyOf(contactId);
  }
}
