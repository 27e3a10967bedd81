import { leadOwnerDecision } from './lead-owner';

const SALES = ['Sales', 'Sales Administrator'];
const support = { login: 'support.sam', groups: ['Party Administration'] };
const anna = { login: 'sales.anna', groups: ['Sales', 'Party Administration'] };

describe('leadOwnerDecision', () => {
  it('gives an unowned lead a support user created to the default owner', () => {
    expect(leadOwnerDecision({ state: 'lead', owner: null, creator: support }, SALES)).toEqual({
      assign: true,
      reason: 'created_outside_sales',
    });
  });

  it('also a qualified opportunity, and one whose creator Tryton no longer has', () => {
    expect(leadOwnerDecision({ state: 'opportunity', owner: null, creator: null }, SALES).assign).toBe(true);
  });

  it("leaves a sales user's own unowned lead alone", () => {
    expect(leadOwnerDecision({ state: 'lead', owner: null, creator: anna }, SALES)).toEqual({
      assign: false,
      reason: 'created_by_sales',
    });
  });

  it('never reassigns a lead that has an owner: the decision is taken once', () => {
    const owner = { employeeId: 3, name: 'CRM Default Owner', login: 'crm-default-owner' };
    expect(leadOwnerDecision({ state: 'lead', owner, creator: support }, SALES)).toEqual({
      assign: false,
      reason: 'has_owner',
    });
  });

  it.each(['converted', 'won', 'lost', 'cancelled'] as const)('does not touch a %s opportunity', (state) => {
    expect(leadOwnerDecision({ state, owner: null, creator: support }, SALES)).toEqual({
      assign: false,
      reason: 'not_a_lead',
    });
  });
});
