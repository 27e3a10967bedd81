import { SEGMENT_RULES, Segment, nextSegment } from './segment-rules';

describe('nextSegment', () => {
  it('a won deal makes a prospect (or a contact without a segment) a customer', () => {
    expect(nextSegment(null, 'deal_won')).toBe(Segment.Customer);
    expect(nextSegment('prospect', 'deal_won')).toBe(Segment.Customer);
  });

  it('a won deal never demotes a customer, a paying customer or one at risk', () => {
    expect(nextSegment(Segment.Customer, 'deal_won')).toBeNull();
    expect(nextSegment(Segment.PayingCustomers, 'deal_won')).toBeNull();
    expect(nextSegment(Segment.AtRisk, 'deal_won')).toBeNull();
  });

  it('a paid invoice moves a customer, or one at risk, to the paying customers', () => {
    expect(nextSegment(Segment.Customer, 'invoice_paid')).toBe(Segment.PayingCustomers);
    expect(nextSegment(Segment.AtRisk, 'invoice_paid')).toBe(Segment.PayingCustomers);
    expect(nextSegment(null, 'invoice_paid')).toBe(Segment.PayingCustomers);
    expect(nextSegment(Segment.PayingCustomers, 'invoice_paid')).toBeNull();
  });

  it('an escalation moves any customer to at-risk, once', () => {
    expect(nextSegment(Segment.PayingCustomers, 'ticket_escalated')).toBe(Segment.AtRisk);
    expect(nextSegment(Segment.Customer, 'ticket_escalated')).toBe(Segment.AtRisk);
    expect(nextSegment(Segment.AtRisk, 'ticket_escalated')).toBeNull();
  });

  it('every rule stays in its own target, so a redelivered signal moves nobody twice', () => {
    for (const [signal, rule] of Object.entries(SEGMENT_RULES)) {
      expect(rule.staysIn).toContain(rule.to);
      expect(nextSegment(rule.to, signal as keyof typeof SEGMENT_RULES)).toBeNull();
    }
  });
});
