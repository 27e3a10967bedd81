import type { CustomerSyncedV1 } from '@switchboard/contracts';
import type { CrmAccountChanges } from '@switchboard/downstream';

/** Why a customer_synced leaves the CRM as it is. */
export type CrmSkip =
  /** Addressed to another system. */
  | 'other_target'
  /** A contact: this slice keeps accounts only. */
  | 'contact'
  /** The customer has no CRM account (born in the ERP; the CRM creates its accounts itself). */
  | 'no_crm_account'
  /** Archiving or merging accounts is the CRM's own business (it masters the account record). */
  | 'lifecycle'
  /** None of the fields the CRM takes (VAT number, billing address, payment terms and status). */
  | 'nothing_for_crm';

export type CrmPlan =
  { apply: true; accountId: string; changes: CrmAccountChanges } | { apply: false; skip: CrmSkip };

/**
 * What one customer_synced changes on the CRM account: the ERP-mastered fields (VAT number, billing
 * address, payment terms) and finance's payment status, on the account customer-sync linked
 * (`targetExternalId`, else the customer's CRM cross-reference). Absent stays absent (unchanged),
 * null stays null (cleared).
 */
export function planCrmChanges(sync: CustomerSyncedV1): CrmPlan {
  if (sync.target !== 'crm') return { apply: false, skip: 'other_target' };
  if (sync.entity !== 'account') return { apply: false, skip: 'contact' };
  const accountId =
    sync.targetExternalId ?? sync.crossReferences.find((ref) => ref.system === 'crm')?.externalId ?? null;
  if (!accountId) return { apply: false, skip: 'no_crm_account' };
  if (sync.action !== 'upsert') return { apply: false, skip: 'lifecycle' };
  const { fields } = sync;
  const changes: CrmAccountChanges = {};
  if (fields.vatNumber !== undefined) changes.vatNumber = fields.vatNumber;
  if (fields.billingAddress !== undefined) changes.billingAddress = fields.billingAddress;
  if (fields.paymentTerms !== undefined) changes.paymentTerms = fields.paymentTerms;
  if (fields.paymentStatus !== undefined) changes.paymentStatus = fields.paymentStatus;
  if (Object.keys(changes).length === 0) return { apply: false, skip: 'nothing_for_crm' };
  return { apply: true, accountId, changes };
}
