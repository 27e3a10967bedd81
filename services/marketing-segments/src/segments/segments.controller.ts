import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ProtectedApi } from '@switchboard/platform';

import { SegmentMembershipDto, segmentMembershipDto } from './dto/segment-membership.dto';
import { SegmentsService } from './segments.service';

/** Names, e-mails and amounts: a viewer token (401/403), per-token rate limit, no-store. */
@ProtectedApi('viewer')
@ApiTags('segment-memberships')
@Controller('v1/segment-memberships')
export class SegmentsController {
  constructor(private readonly segments: SegmentsService) {}

  /** The segment move a deal caused. */
  @Get('by-deal/:dealId')
  @ApiOperation({ summary: 'The segment move a deal caused' })
  @ApiOkResponse({ type: SegmentMembershipDto })
  @ApiNotFoundResponse({ description: 'No segment move for this deal (yet)' })
  async byDeal(@Param('dealId') dealId: string): Promise<SegmentMembershipDto> {
    const [membership] = await this.segments.byDeal(dealId);
    if (!membership) throw new NotFoundException(`No segment move for deal ${dealId}`);
    return segmentMembershipDto(membership);
  }

  /** Every segment a contact has been in, oldest first. */
  @Get('by-contact/:contactId')
  @ApiOperation({ summary: 'Every segment a contact has been in, oldest first' })
  @ApiOkResponse({ type: [SegmentMembershipDto] })
  async history(@Param('contactId') contactId: string): Promise<SegmentMembershipDto[]> {
    return (await this.segments.historyOf(contactId)).map(segmentMembershipDto);
  }
}
