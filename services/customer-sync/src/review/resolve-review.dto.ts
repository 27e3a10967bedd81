import { Allow, IsBoolean, IsInt, IsOptional, IsUUID, Min } from 'class-validator';

/**
 * One of: `candidate` (index of a held value), `value` (a value of the steward's own; null clears),
 * `customerId` (the right match) or `createNew: true` (none of the candidates: a new customer).
 */
export class ResolveReviewDto {
  @IsOptional()
  @IsInt()
  @Min(0)
  candidate?: number;

  /** Checked against the field's kind when applied (null clears an optional field). */
  @Allow()
  value?: unknown;

  @IsOptional()
  @IsUUID()
  customerId?: string;

  @IsOptional()
  @IsBoolean()
  createNew?: boolean;
}
