import { ReviewDecisionError, decideReview, mergeLosers } from './review-decision';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';
const conflict = { kind: 'conflict' as const, candidates: [{}, {}] };
const match = { kind: 'ambiguous_match' as const, candidates: [{ customerId: A }, { customerId: B }] };

describe('decideReview', () => {
  it('reads the one choice a conflict takes: a held value or an own value (null clears)', () => {
    expect(decideReview(conflict, { candidate: 1 })).toEqual({ kind: 'candidate', index: 1 });
    expect(decideReview(conflict, { value: '+49 1' })).toEqual({ kind: 'value', value: '+49 1' });
    expect(decideReview(conflict, { value: null })).toEqual({ kind: 'value', value: null });
    expect(() => decideReview(conflict, { candidate: 2 })).toThrow('candidate must be 0..1');
  });

  it('reads the one choice a match takes: link, create, or merge the others into a candidate', () => {
    expect(decideReview(match, { customerId: B })).toEqual({ kind: 'link', customerId: B });
    expect(decideReview(match, { createNew: true })).toEqual({ kind: 'create' });
    expect(decideReview(match, { mergeInto: A })).toEqual({ kind: 'merge', survivorId: A });
    expect(() => decideReview(match, { mergeInto: C })).toThrow(
      `mergeInto must be one of the candidates: ${A}, ${B}`,
    );
    expect(() => decideReview(match, { customerId: C })).toThrow(/customerId must be one of the candidates/);
  });

  it('refuses no choice, two choices, and a choice of the other kind of item', () => {
    expect(() => decideReview(match, {})).toThrow(ReviewDecisionError);
    expect(() => decideReview(match, { createNew: false })).toThrow(/exactly one/);
    expect(() => decideReview(match, { customerId: A, mergeInto: A })).toThrow(/exactly one/);
    expect(() => decideReview(conflict, { candidate: 0, value: 'x' })).toThrow(/exactly one/);
    expect(() => decideReview(conflict, { mergeInto: A })).toThrow(
      'mergeInto resolves an ambiguous match, not a conflict',
    );
    expect(() => decideReview(conflict, { createNew: true })).toThrow(/not a conflict/);
    expect(() => decideReview(match, { candidate: 0 })).toThrow(/not a match/);
    expect(() => decideReview(match, { value: 'x' })).toThrow(/not a match/);
  });
});

describe('mergeLosers', () => {
  const active = (id: string) => ({ id, status: 'active' as const });

  it('merges every other active candidate into the survivor, once each', () => {
    expect(mergeLosers([A, B, C, B], A, [active(A), active(B), active(C)])).toEqual([B, C]);
  });

  it('leaves candidates merged or deactivated since the match was held as they are', () => {
    expect(
      mergeLosers([A, B, C], A, [active(A), { id: B, status: 'merged' }, { id: C, status: 'active' }]),
    ).toEqual([C]);
  });

  it('refuses a survivor that is no longer active, and a merge with nobody left to merge', () => {
    expect(() => mergeLosers([A, B], A, [{ id: A, status: 'merged' }, active(B)])).toThrow(
      `customer ${A} is merged: it cannot take the others`,
    );
    expect(() => mergeLosers([A, B], A, [active(A)])).toThrow(ReviewDecisionError);
    expect(() => mergeLosers([A, B], A, [active(A), { id: B, status: 'inactive' }])).toThrow(
      /link to it instead/,
    );
  });
});
