import type { CustomerRecord } from '@switchboard/master-data';

/** What a steward decided, read from the request body and checked against the item it resolves. */
export type ReviewDecision =
  /** A conflict: keep one of the held values (its index). */
  | { kind: 'candidate'; index: number }
  /** A conflict: a value of the steward's own (normalised against the field when applied). */
  | { kind: 'value'; value: unknown }
  /** An ambiguous match: the incoming record is this candidate customer. */
  | { kind: 'link'; customerId: string }
  /** An ambiguous match: none of the candidates, a new customer. */
  | { kind: 'create' }
  /** An ambiguous match: the candidates are one customer; the others are merged into this one. */
  | { kind: 'merge'; survivorId: string };

/** A decision that does not fit the item (HTTP 400), with the reason the steward reads. */
export class ReviewDecisionError extends Error {
  override readonly name = 'ReviewDecisionError';
}

/** The body of a resolution, as the API receives it (ResolveReviewDto). */
export interface ReviewChoice {
  candidate?: number;
  value?: unknown;
  customerId?: string;
  createNew?: boolean;
  mergeInto?: string;
}

interface ReviewItemShape {
  kind: 'conflict' | 'ambiguous_match';
  candidates: Array<{ customerId?: string }>;
}

/**
 * Exactly one choice, and one that fits the item: a held value or an own value for a conflict; a
 * candidate to link to, a new customer, or a candidate to merge the others into for a match.
 */
export function decideReview(item: ReviewItemShape, body: ReviewChoice): ReviewDecision {
  const offered: ReviewDecision[] = [];
  if (body.candidate !== undefined) offered.push({ kind: 'candidate', index: body.candidate });
  if (body.value !== undefined) offered.push({ kind: 'value', value: body.value });
  if (body.customerId !== undefined) offered.push({ kind: 'link', customerId: body.customerId });
  if (body.createNew === true) offered.push({ kind: 'create' });
  if (body.mergeInto !== undefined) offered.push({ kind: 'merge', survivorId: body.mergeInto });
  if (offered.length !== 1) {
    throw new ReviewDecisionError(
      item.kind === 'conflict'
        ? 'Send exactly one of candidate (an index) or value to resolve a conflict'
        : 'Send exactly one of customerId (one of the candidates), createNew: true or mergeInto (one of the candidates) to resolve a match',
    );
  }
  const [decision] = offered;
  const candidateIds = item.candidates.map((c) => c.customerId).filter((id): id is string => !!id);
  switch (decision.kind) {
    case 'candidate':
      if (item.kind !== 'conflict')
        throw new ReviewDecisionError('candidate resolves a conflict, not a match');
      if (decision.index >= item.candidates.length)
        throw new ReviewDecisionError(`candidate must be 0..${item.candidates.length - 1}`);
      return decision;
    case 'value':
      if (item.kind !== 'conflict') throw new ReviewDecisionError('value resolves a conflict, not a match');
      return decision;
    case 'link':
    case 'merge': {
      const name = decision.kind === 'link' ? 'customerId' : 'mergeInto';
      if (item.kind !== 'ambiguous_match')
        throw new ReviewDecisionError(`${name} resolves an ambiguous match, not a conflict`);
      const id = decision.kind === 'link' ? decision.customerId : decision.survivorId;
      if (!candidateIds.includes(id))
        throw new ReviewDecisionError(`${name} must be one of the candidates: ${candidateIds.join(', ')}`);
      return decision;
    }
    case 'create':
      if (item.kind !== 'ambiguous_match')
        throw new ReviewDecisionError('createNew resolves an ambiguous match, not a conflict');
      return decision;
  }
}

/**
 * The candidates merged into the survivor: every other candidate still active. One that was merged
 * or deactivated since the match was held is left as it is; a survivor that is no longer active
 * cannot take the others, and a merge with nobody left to merge is a link (the steward says so).
 */
export function mergeLosers(
  candidateIds: string[],
  survivorId: string,
  current: ReadonlyArray<Pick<CustomerRecord, 'id' | 'status'>>,
): string[] {
  const status = new Map(current.map((customer) => [customer.id, customer.status]));
  const survivor = status.get(survivorId);
  if (survivor !== 'active')
    throw new ReviewDecisionError(
      `customer ${survivorId} is ${survivor ?? 'gone'}: it cannot take the others`,
    );
  const losers = [...new Set(candidateIds)].filter((id) => id !== survivorId && status.get(id) === 'active');
  if (losers.length === 0)
    throw new ReviewDecisionError(
      `no other candidate of this match is still active to merge into ${survivorId}: link to it instead`,
    );
  return losers;
}
