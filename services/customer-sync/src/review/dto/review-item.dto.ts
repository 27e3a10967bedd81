import { ApiProperty } from '@nestjs/swagger';

import { JSON_VALUE } from '@switchboard/platform';

/** A held value (a conflict) or a possible match (an ambiguous match). */
export class ReviewCandidateDto {
  @ApiProperty({ required: false, description: 'The source system of a held value' })
  system?: string;

  @ApiProperty({ ...JSON_VALUE, required: false, nullable: true, description: 'A held value' })
  value?: unknown;

  @ApiProperty({
    required: false,
    format: 'date-time',
    description: 'When the held value changed in its source',
  })
  changedAt?: string;

  @ApiProperty({
    type: String,
    required: false,
    nullable: true,
    format: 'uuid',
    description: 'The event that brought the held value',
  })
  eventId?: string | null;

  @ApiProperty({ required: false, description: 'The canonical value when the conflict was opened' })
  current?: boolean;

  @ApiProperty({ required: false, format: 'uuid', description: 'A candidate customer of a match' })
  customerId?: string;

  @ApiProperty({
    required: false,
    example: 'email',
    description: 'How a match found the candidate (email, vat)',
  })
  rule?: string;
}

/** An open or resolved item of the review queue. */
export class ReviewItemDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['conflict', 'ambiguous_match'] })
  kind!: 'conflict' | 'ambiguous_match';

  @ApiProperty({ enum: ['open', 'resolved'] })
  status!: 'open' | 'resolved';

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  customerId!: string | null;

  @ApiProperty({ enum: ['account', 'contact'] })
  entity!: 'account' | 'contact';

  @ApiProperty({ type: String, nullable: true, description: 'The field in conflict' })
  field!: string | null;

  @ApiProperty({ type: String, nullable: true })
  system!: string | null;

  @ApiProperty({ type: String, nullable: true })
  externalId!: string | null;

  @ApiProperty({ type: [ReviewCandidateDto] })
  candidates!: ReviewCandidateDto[];

  @ApiProperty({ type: String, nullable: true })
  reason!: string | null;

  @ApiProperty()
  createdAt!: Date;

  @ApiProperty({ type: Date, nullable: true })
  resolvedAt!: Date | null;

  @ApiProperty({ type: String, nullable: true, description: '`steward:<name>`' })
  resolvedBy!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The decision' })
  resolution!: Record<string, unknown> | null;
}
