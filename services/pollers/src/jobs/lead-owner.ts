import type { OpportunitySnapshot } from '@switchboard/connectors';

/** Whether the pollers give a CRM lead the default owner, and why (the log's and the spec's word). */
export type LeadOwnerDecision =
  | { assign: true; reason: 'created_outside_sales' }
  | { assign: false; reason: 'not_a_lead' | 'has_owner' | 'created_by_sales' };

/**
 * A lead (or an opportunity not converted yet) without an owner that a sales user did not create (a
 * support user, a web form's technical user) goes to the default owner, so that no lead waits unseen.
 * A sales user is a member of one of the sales groups; a creator Tryton no longer has counts as none.
 * A sales user's own unowned lead is left alone: that user is working on it. A lead with an owner is
 * never reassigned, so the decision is taken once.
 */
export function leadOwnerDecision(
  lead: Pick<OpportunitySnapshot, 'state' | 'owner' | 'creator'>,
  salesGroups: readonly string[],
): LeadOwnerDecision {
  if (lead.state !== 'lead' && lead.state !== 'opportunity') return { assign: false, reason: 'not_a_lead' };
  if (lead.owner !== null) return { assign: false, reason: 'has_owner' };
  if (lead.creator?.groups.some((group) => salesGroups.includes(group))) {
    return { assign: false, reason: 'created_by_sales' };
  }
  return { assign: true, reason: 'created_outside_sales' };
}
