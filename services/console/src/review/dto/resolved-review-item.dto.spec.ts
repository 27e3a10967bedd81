import type { ReviewItem } from '../../customer-sync/customer-sync.types';
import { toResolvedReviewItem } from './resolved-review-item.dto';

const SURVIVOR = '00000000-0000-4000-8000-00000000000a';
const DUPLICATE = '00000000-0000-4000-8000-00000000000b';

const item: ReviewItem = {
  id: '00000000-0000-4000-8000-000000000001',
  kind: 'ambiguous_match',
  status: 'resolved',
  customerId: SURVIVOR,
  entity: 'account',
  field: null,
  system: 'erp',
  externalId: 'C-1',
  candidates: [{ customerId: SURVIVOR, rule: 'email', value: 'a@example.com' }],
  reason: 'two customers share the e-mail',
  createdAt: '2026-01-01T00:00:00.000Z',
  resolvedAt: '2026-01-02T00:00:00.000Z',
  resolvedBy: 'steward:dana via console',
  resolution: { mergeInto: SURVIVOR, mergedCustomerIds: [DUPLICATE, 7] },
};

describe('toResolvedReviewItem', () => {
  it('says what was decided and which duplicates were merged, without the held values', () => {
    const dto = toResolvedReviewItem(item);
    expect(dto).toMatchObject({ status: 'resolved', customerId: SURVIVOR, mergedCustomerIds: [DUPLICATE] });
    expect(JSON.stringify(dto)).not.toContain('a@example.com');
  });

  it('lists no merged customers for any other decision', () => {
    expect(toResolvedReviewItem({ ...item, resolution: { candidate: 0 } }).mergedCustomerIds).toEqual([]);
    expect(toResolvedReviewItem({ ...item, resolution: null }).mergedCustomerIds).toEqual([]);
  });
});
