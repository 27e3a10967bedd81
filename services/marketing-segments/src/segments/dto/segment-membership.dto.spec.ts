import { SegmentMembership } from '../segment-membership.entity';
import { segmentMembershipDto } from './segment-membership.dto';

const base = {
  id: '7',
  contactId: 'C-1',
  segment: 'customer',
  validFrom: new Date('2026-01-02T03:04:05.000Z'),
  reason: 'deal_won',
};

describe('segmentMembershipDto', () => {
  it.each([
    [
      'a closed period from a deal',
      {
        validTo: new Date('2026-02-01T00:00:00.000Z'),
        dealId: 'D-1',
        eventId: '00000000-0000-4000-8000-000000000001',
      },
    ],
    ['an open period without a deal (nulls stay null)', { validTo: null, dealId: null, eventId: null }],
  ])('answers the JSON the entity gave before: %s', (_, rest) => {
    const membership = Object.assign(new SegmentMembership(), base, rest);
    const dto = segmentMembershipDto(membership);
    expect(JSON.parse(JSON.stringify(dto))).toEqual(JSON.parse(JSON.stringify(membership)));
    expect(dto).not.toBeInstanceOf(SegmentMembership);
  });
});
