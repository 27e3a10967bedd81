import type { CustomerUpdatedV1, SourceSystem } from '@switchboard/contracts';
import type { CrmLead } from '@switchboard/downstream';

/**
 * The systems whose new accounts are leads for the sales team: the web forms (marketing), the shop
 * and support. The CRM is the sales team's own; the ERP's customers and finance's signals reach the
 * CRM as the accounts the sales team already has.
 */
export const LEAD_SOURCES: readonly SourceSystem[] = ['marketing', 'ecommerce', 'support'];

/** Why a customer_updated opens no lead. */
export type LeadSkip =
  /** From the sales team's CRM or a system that does not bring leads. */
  | 'not_lead_source'
  /** A contact: a lead is an account. */
  | 'contact'
  /** A deletion or merge: nothing to open. */
  | 'lifecycle'
  /** No name: the CRM cannot show an account without one. */
  | 'no_name';

export type LeadPlan = { open: true; lead: CrmLead } | { open: false; skip: LeadSkip };

/** The CRM account id of a lead: its system's record id, so the same record is one account. */
export function leadAccountId(system: SourceSystem, externalId: string): string {
  return `LEAD-${system}-${externalId}`;
}

/**
 * A new account reported by a system that is not the sales team's (a web form, the shop, support)
 * becomes a lead in the CRM, owned by the default owner: nobody in sales created it, so nobody in
 * sales owns it until the default owner hands it on. An owner the source names is not taken (the CRM
 * masters account owners).
 */
export function planLead(update: CustomerUpdatedV1, defaultOwner: string): LeadPlan {
  if (!LEAD_SOURCES.includes(update.system)) return { open: false, skip: 'not_lead_source' };
  if (update.entity !== 'account') return { open: false, skip: 'contact' };
  if (update.deleted || update.mergedIntoExternalId) return { open: false, skip: 'lifecycle' };
  const name = update.fields.name?.trim();
  if (!name) return { open: false, skip: 'no_name' };
  return {
    open: true,
    lead: {
      accountId: leadAccountId(update.system, update.externalId),
      name,
      email: update.fields.email ?? null,
      phone: update.fields.phone ?? null,
      owner: defaultOwner,
    },
  };
}
