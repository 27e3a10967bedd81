import { ApiProperty } from '@nestjs/swagger';

/** A held value (a conflict) or a possible match (an ambiguous match). */
export class ReviewCandidateDto {
  @ApiProperty({ required: false, description: 'The source system of a held value' })
  system?: string;

  @ApiProperty({ required: false, nullable: true, description: 'A held value (JSON)' })
  value?: unknown;

  @ApiProperty({ required: false, format: 'date-time' })
  changedAt?: string;

  @ApiProperty({ required: false, format: 'uuid', description: 'A candidate customer of a match' })
  customerId?: string;
}

/** An open or resolved item of the review queue. */
export class ReviewItemDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['conflict', 'ambiguous_match'] })
  kind!: string;

  @ApiProperty({ enum: ['open', 'resolved'] })
  status!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  customerId!: string | null;

  @ApiProperty({ enum: ['account', 'contact'] })
  entity!: string;

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
