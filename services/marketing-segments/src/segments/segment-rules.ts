import type { EventType } from '@switchboard/contracts';

/** The segments marketing moves contacts between on the signals it consumes. */
export const Segment = {
  Customer: 'customer',
  PayingCustomers: 'paying-customers',
  AtRisk: 'at-risk',
} as const;
export type Segment = (typeof Segment)[keyof typeof Segment];

/** The events that move a contact. */
export type SegmentSignal = Extract<EventType, 'deal_won' | 'invoice_paid' | 'ticket_escalated'>;

export interface SegmentRule {
  /** Where the signal moves a contact. */
  to: Segment;
  /** Segments a contact stays in when the signal arrives (the target is always one). */
  staysIn: readonly Segment[];
}

/**
 * One rule per signal. A won deal promotes a prospect, never demotes a paying or at-risk customer
 * back to `customer`; a payment and an escalation each move the contact, whichever came last, so a
 * customer who pays after an escalation is paying again and one escalated after paying is at risk.
 */
export const SEGMENT_RULES: Record<SegmentSignal, SegmentRule> = {
  deal_won: {
    to: Segment.Customer,
    staysIn: [Segment.Customer, Segment.PayingCustomers, Segment.AtRisk],
  },
  invoice_paid: { to: Segment.PayingCustomers, staysIn: [Segment.PayingCustomers] },
  ticket_escalated: { to: Segment.AtRisk, staysIn: [Segment.AtRisk] },
};

/** The segment a signal moves a contact into from `current`, or null when it stays. */
export function nextSegment(current: string | null, signal: SegmentSignal): Segment | null {
  const rule = SEGMENT_RULES[signal];
  return current !== null && (rule.staysIn as readonly string[]).includes(current) ? null : rule.to;
}
