import { ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsBoolean, IsInt, IsOptional, IsUUID, Min } from 'class-validator';

import { JSON_VALUE } from '@switchboard/platform';

/**
 * Exactly one of: `candidate` (index of a held value), `value` (a value of the steward's own; null
 * clears), `customerId` (the right match), `createNew: true` (none of the candidates: a new customer)
 * or `mergeInto` (the candidates are one customer: the others are merged into this one). Checked
 * against the item by `decideReview`.
 */
export class ResolveReviewDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'The index of a held value (a conflict)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  candidate?: number;

  /** Checked against the field's kind when applied (null clears an optional field). */
  @ApiPropertyOptional({
    ...JSON_VALUE,
    nullable: true,
    description: "A value of the steward's own (a conflict); null clears",
  })
  @Allow()
  value?: unknown;

  @ApiPropertyOptional({ format: 'uuid', description: 'The right match (an ambiguous match)' })
  @IsOptional()
  @IsUUID()
  customerId?: string;

  @ApiPropertyOptional({ description: 'None of the candidates: create a new customer (an ambiguous match)' })
  @IsOptional()
  @IsBoolean()
  createNew?: boolean;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'The candidates are duplicates of one customer (an ambiguous match): every other active candidate is merged into this one, and the incoming record linked to it',
  })
  @IsOptional()
  @IsUUID()
  mergeInto?: string;
}
