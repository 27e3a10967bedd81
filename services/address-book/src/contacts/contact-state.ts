import type { CustomerSyncedV1 } from '@switchboard/contracts';
import type { ContactCard } from '@switchboard/downstream';

/** What the address book holds of a customer: its contact fields and the last version applied. */
export interface ContactState {
  name: string | null;
  email: string | null;
  phone: string | null;
  active: boolean;
  appliedVersion: number;
}

export type ContactSync = Pick<CustomerSyncedV1, 'action' | 'version' | 'fields'>;

/**
 * The state after one `customer_synced`, or null when it is stale (a version at or below the one
 * applied: a replay or an out-of-order delivery changes nothing). Fields absent are unchanged,
 * null cleared; a deactivation keeps the fields (a later upsert brings the contact back whole).
 */
export function applySync(current: ContactState | null, sync: ContactSync): ContactState | null {
  if (current && sync.version <= current.appliedVersion) return null;
  const base = current ?? { name: null, email: null, phone: null, active: true, appliedVersion: 0 };
  const pick = (field: 'name' | 'email' | 'phone'): string | null =>
    sync.fields[field] === undefined ? base[field] : (sync.fields[field] ?? null);
  return {
    name: pick('name'),
    email: pick('email'),
    phone: pick('phone'),
    active: sync.action !== 'deactivate',
    appliedVersion: sync.version,
  };
}

/** The card the address book should show for a state: none while inactive or without a name. */
export function cardOf(state: ContactState | null): ContactCard | null {
  if (!state?.active || !state.name) return null;
  return { name: state.name, email: state.email, phone: state.phone };
}

/** Whether two cards are the same contact (no write is needed from one to the other). */
export function sameCard(a: ContactCard | null, b: ContactCard | null): boolean {
  if (a === null || b === null) return a === b;
  return a.name === b.name && a.email === b.email && a.phone === b.phone;
}
