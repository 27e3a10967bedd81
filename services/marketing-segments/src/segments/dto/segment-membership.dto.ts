import { ApiProperty } from '@nestjs/swagger';

import type { SegmentMembership } from '../segment-membership.entity';

/** A period during which a contact belonged to a segment; `validTo` is null while it still does. */
export class SegmentMembershipDto {
  @ApiProperty({ description: 'A bigint, as a string' })
  id!: string;

  @ApiProperty()
  contactId!: string;

  @ApiProperty()
  segment!: string;

  @ApiProperty()
  validFrom!: Date;

  @ApiProperty({ type: Date, nullable: true })
  validTo!: Date | null;

  @ApiProperty({ description: 'Why the contact moved into the segment' })
  reason!: string;

  @ApiProperty({ type: String, nullable: true })
  dealId!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  eventId!: string | null;
}

export function segmentMembershipDto(membership: SegmentMembership): SegmentMembershipDto {
  return {
    id: membership.id,
    contactId: membership.contactId,
    segment: membership.segment,
    validFrom: membership.validFrom,
    validTo: membership.validTo,
    reason: membership.reason,
    dealId: membership.dealId,
    eventId: membership.eventId,
  };
}
