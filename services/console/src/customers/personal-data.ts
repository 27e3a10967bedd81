import type { JsonValue } from '../customer-sync/customer-sync.types';

/** Fields that identify or reach a person: masked for users without `personal-data:read`. */
export const PERSONAL_FIELDS: ReadonlySet<string> = new Set([
  'email',
  'phone',
  'firstName',
  'lastName',
  'billingAddress',
  'fiscalCode',
]);

/** Contacts are people: their name is personal too (an account's name is a company's). */
export function isPersonal(field: string | null, entity: 'account' | 'contact'): boolean {
  if (!field) return false;
  return PERSONAL_FIELDS.has(field) || (entity === 'contact' && field === 'name');
}

/**
 * Enough to tell two values apart in a review (first and last two characters, the e-mail's domain),
 * not enough to call or write to anyone.
 */
export function maskValue(value: JsonValue): JsonValue {
  if (value === null || value === undefined) return value;
  if (typeof value === 'object') return '•••';
  const text = String(value);
  const at = text.indexOf('@');
  if (at > 0) return `${text[0]}•••${text.slice(at)}`;
  if (text.length <= 4) return '•'.repeat(text.length);
  return `${text.slice(0, 1)}${'•'.repeat(Math.min(text.length - 3, 8))}${text.slice(-2)}`;
}

/** A field's value as this user may see it. */
export function visibleValue(
  field: string | null,
  entity: 'account' | 'contact',
  value: JsonValue,
  seesPersonalData: boolean,
): JsonValue {
  return !seesPersonalData && isPersonal(field, entity) ? maskValue(value) : value;
}
