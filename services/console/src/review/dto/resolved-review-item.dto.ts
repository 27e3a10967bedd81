import { ApiProperty } from '@nestjs/swagger';

import type { ReviewItem } from '../../customer-sync/customer-sync.types';

/**
 * What a decision did, as the console answers it: the item, who decided and which customer it is
 * now about. The held values are left out (personal data; the item's page shows them to those who
 * may see them).
 */
export class ResolvedReviewItemDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['conflict', 'ambiguous_match'] })
  kind!: 'conflict' | 'ambiguous_match';

  @ApiProperty({ enum: ['open', 'resolved'] })
  status!: 'open' | 'resolved';

  @ApiProperty({ enum: ['account', 'contact'] })
  entity!: 'account' | 'contact';

  @ApiProperty({ type: String, nullable: true, description: 'The field in conflict' })
  field!: string | null;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The customer the item is about, after the decision (the survivor of a merge)',
  })
  customerId!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'steward:dana via console' })
  resolvedBy!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  resolvedAt!: string | null;

  @ApiProperty({
    type: [String],
    format: 'uuid',
    description: 'The duplicates a merge folded into `customerId` (empty for any other decision)',
  })
  mergedCustomerIds!: string[];
}

/** The duplicates a merge decision folded into the item's customer (customer-sync records them). */
export function mergedCustomerIds(item: ReviewItem): string[] {
  const recorded = item.resolution?.mergedCustomerIds;
  return Array.isArray(recorded) ? recorded.filter((id) => typeof id === 'string') : [];
}

export function toResolvedReviewItem(item: ReviewItem): ResolvedReviewItemDto {
  return {
    id: item.id,
    kind: item.kind,
    status: item.status,
    entity: item.entity,
    field: item.field,
    customerId: item.customerId,
    resolvedBy: item.resolvedBy,
    resolvedAt: item.resolvedAt,
    mergedCustomerIds: mergedCustomerIds(item),
  };
}
