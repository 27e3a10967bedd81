import type { CustomerEntity } from '@switchboard/contracts';

/** What a field holds, which decides how it is normalised, compared and merged. */
export type FieldKind = 'text' | 'email' | 'integer' | 'address' | 'timestamp' | 'money';

/**
 * Every field the canonical customer can hold: the `customer_updated` fields plus the ones derived
 * from finance events. The ownership file may only name these.
 */
export const FIELD_KINDS = {
  name: 'text',
  email: 'email',
  phone: 'text',
  vatNumber: 'text',
  fiscalCode: 'text',
  billingAddress: 'address',
  address: 'address',
  paymentTerms: 'text',
  priceList: 'text',
  leadScore: 'integer',
  accountOwner: 'text',
  status: 'text',
  notes: 'text',
  accountType: 'text',
  paymentStatus: 'text',
  lastPaymentAt: 'timestamp',
  lastInvoiceNumber: 'text',
  lastPaymentAmount: 'money',
  segment: 'text',
} as const satisfies Record<string, FieldKind>;

export type CustomerFieldName = keyof typeof FIELD_KINDS;

export const CUSTOMER_FIELD_NAMES = Object.keys(FIELD_KINDS) as CustomerFieldName[];

export function isCustomerField(name: string): name is CustomerFieldName {
  return Object.prototype.hasOwnProperty.call(FIELD_KINDS, name);
}

/** Plain JSON values only: what is stored, compared, audited and published. */
export type FieldValue = string | number | null | { [key: string]: string | null };

export type FieldValues = Partial<Record<CustomerFieldName, FieldValue>>;

export type { CustomerEntity };
