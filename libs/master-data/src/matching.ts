export type MatchRule = 'cross_reference' | 'customer_id' | 'email' | 'vat';

export type MatchResult =
  | { kind: 'matched'; customerId: string; rule: MatchRule }
  /** Two or more candidates: never guessed, a person chooses in the review queue. */
  | { kind: 'ambiguous'; rule: MatchRule; candidates: string[] }
  | { kind: 'none' };

/**
 * The matching order of the issue: cross-reference (decided before this), then normalised e-mail,
 * then VAT number for companies. One candidate is a match; several are ambiguous at the first rule
 * that finds any; none creates a new customer.
 */
export function chooseMatch(
  byEmail: readonly string[],
  byVat: readonly string[],
  isCompany: boolean,
): MatchResult {
  const emails = [...new Set(byEmail)];
  if (emails.length === 1) return { kind: 'matched', customerId: emails[0], rule: 'email' };
  if (emails.length > 1) return { kind: 'ambiguous', rule: 'email', candidates: emails.sort() };
  if (!isCompany) return { kind: 'none' };
  const vats = [...new Set(byVat)];
  if (vats.length === 1) return { kind: 'matched', customerId: vats[0], rule: 'vat' };
  if (vats.length > 1) return { kind: 'ambiguous', rule: 'vat', candidates: vats.sort() };
  return { kind: 'none' };
}
