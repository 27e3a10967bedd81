import type { ReviewItem } from '../customer-sync/customer-sync.types';
import { age, filterReviewItems } from './review-filter';

const NOW = Date.parse('2026-12-06T12:00:00Z');
const item = (overrides: Partial<ReviewItem>): ReviewItem => ({
  id: 'i',
  kind: 'conflict',
  status: 'open',
  customerId: 'c',
  entity: 'account',
  field: 'phone',
  system: 'erp',
  externalId: 'C-1',
  candidates: [{ system: 'crm' }, { system: 'erp' }],
  reason: null,
  createdAt: '2026-12-06T11:00:00Z',
  resolvedAt: null,
  resolvedBy: null,
  resolution: null,
  ...overrides,
});

describe('review queue filter', () => {
  const phone = item({ id: 'phone' });
  const owner = item({ id: 'owner', field: 'accountOwner', createdAt: '2026-12-01T12:00:00Z' });
  const match = item({
    id: 'match',
    kind: 'ambiguous_match',
    field: null,
    system: 'support',
    candidates: [{ customerId: 'x' }],
  });

  it('by kind, field, a system among the candidates, and age', () => {
    const all = [phone, owner, match];
    expect(filterReviewItems(all, {}, NOW).map((i) => i.id)).toEqual(['phone', 'owner', 'match']);
    expect(filterReviewItems(all, { kind: 'conflict', field: 'phone' }, NOW).map((i) => i.id)).toEqual([
      'phone',
    ]);
    expect(filterReviewItems(all, { system: 'crm' }, NOW).map((i) => i.id)).toEqual(['phone', 'owner']);
    expect(filterReviewItems(all, { system: 'support' }, NOW).map((i) => i.id)).toEqual(['match']);
    expect(filterReviewItems(all, { olderThanHours: 24 }, NOW).map((i) => i.id)).toEqual(['owner']);
  });

  it('says how long an item has waited', () => {
    expect(age('2026-12-06T11:58:00Z', NOW)).toBe('2 min');
    expect(age('2026-12-06T09:00:00Z', NOW)).toBe('3 h');
    expect(age('2026-12-01T12:00:00Z', NOW)).toBe('5 d');
  });
});
