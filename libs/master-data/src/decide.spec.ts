import { checkSourceTime, decideField, nextFieldState, type FieldState } from './decide';
import type { FieldPolicy } from './ownership';

const T = Date.parse('2025-03-15T08:00:00Z');
const policy = (strategy: FieldPolicy['strategy'], extra: Partial<FieldPolicy> = {}): FieldPolicy => ({
  field: 'phone',
  master: 'crm',
  writers: ['erp'],
  receivers: ['erp', 'marketing'],
  strategy,
  required: false,
  conflictWindowMs: 60_000,
  ...extra,
});
const state = (value: string, system: string, at: number): FieldState => ({
  value,
  system,
  at,
  seen: { [system]: at },
});
const none = { echo: false, reviewOpen: false };

describe('decideField', () => {
  it('refuses a change from a system that does not own the field, but not the same value', () => {
    expect(
      decideField(
        policy('last_writer_wins'),
        state('1', 'crm', T),
        { system: 'marketing', value: '2', at: T + 1 },
        none,
      ),
    ).toMatchObject({
      outcome: 'refused',
      reason: 'not_owner',
      message: expect.stringContaining('marketing does not own phone'),
    });
    expect(
      decideField(
        policy('last_writer_wins'),
        state('1', 'crm', T),
        { system: 'marketing', value: '1', at: T + 1 },
        none,
      ),
    ).toEqual({ outcome: 'unchanged' });
  });

  it('never clears a required field', () => {
    expect(
      decideField(
        policy('last_writer_wins', { required: true }),
        state('1', 'crm', T),
        { system: 'crm', value: null, at: T + 1 },
        none,
      ),
    ).toMatchObject({ outcome: 'refused', reason: 'required' });
  });

  it('last writer wins by source timestamp, in any arrival order', () => {
    const p = policy('last_writer_wins');
    const older = { system: 'erp', value: 'old', at: T - 5_000 };
    expect(decideField(p, state('new', 'crm', T), older, none)).toEqual({ outcome: 'stale', conflict: true });
    expect(
      decideField(p, state('old', 'erp', T - 5_000), { system: 'crm', value: 'new', at: T }, none),
    ).toEqual({ outcome: 'applied', value: 'new', conflict: true });
    // the same system's older update arriving late
    expect(
      decideField(p, state('new', 'crm', T), { system: 'crm', value: 'x', at: T - 1 }, none),
    ).toMatchObject({ outcome: 'stale' });
  });

  it('source of truth: the master wins a race whatever the order; sequential changes apply', () => {
    const p = policy('source_of_truth');
    expect(
      decideField(p, state('erp', 'erp', T + 10_000), { system: 'crm', value: 'crm', at: T }, none),
    ).toEqual({ outcome: 'applied', value: 'crm', conflict: true });
    expect(
      decideField(p, state('crm', 'crm', T), { system: 'erp', value: 'erp', at: T + 10_000 }, none),
    ).toEqual({ outcome: 'lost' });
    expect(
      decideField(p, state('crm', 'crm', T), { system: 'erp', value: 'erp', at: T + 3_600_000 }, none),
    ).toEqual({ outcome: 'applied', value: 'erp', conflict: false });
  });

  it('manual review holds concurrent changes and any change while a review is open', () => {
    const p = policy('manual_review');
    expect(
      decideField(p, state('Alice', 'crm', T), { system: 'erp', value: 'Bob', at: T + 1_000 }, none),
    ).toEqual({ outcome: 'review' });
    expect(
      decideField(p, state('Alice', 'crm', T), { system: 'erp', value: 'Bob', at: T + 3_600_000 }, none),
    ).toMatchObject({ outcome: 'applied', value: 'Bob' });
    expect(
      decideField(
        p,
        state('Alice', 'crm', T),
        { system: 'crm', value: 'Carol', at: T + 1 },
        { echo: false, reviewOpen: true },
      ),
    ).toEqual({ outcome: 'review' });
  });

  it('merge keeps both values, and a merged value coming back changes nothing', () => {
    const p = policy('merge', { field: 'notes' });
    const first = decideField(
      p,
      state('Called on Monday.', 'crm', T),
      { system: 'erp', value: 'Dunning stopped.', at: T },
      none,
    );
    expect(first).toEqual({
      outcome: 'applied',
      value: 'Called on Monday.\n\nDunning stopped.',
      conflict: false,
    });
    expect(
      decideField(
        p,
        state('Called on Monday.\n\nDunning stopped.', 'erp', T),
        { system: 'crm', value: 'Called on Monday.\n\nDunning stopped.', at: T + 1 },
        none,
      ),
    ).toEqual({ outcome: 'unchanged' });
  });

  it('drops echoes and tracks the newest timestamp per system', () => {
    expect(
      decideField(
        policy('last_writer_wins'),
        state('1', 'crm', T),
        { system: 'erp', value: '1', at: T + 1 },
        { echo: true, reviewOpen: false },
      ),
    ).toEqual({ outcome: 'echo' });
    const next = nextFieldState(state('1', 'crm', T), { system: 'erp', value: '2', at: T + 5 }, '2');
    expect(next).toEqual({ value: '2', system: 'erp', at: T + 5, seen: { crm: T, erp: T + 5 } });
  });
});

describe('future source timestamps (a writer may not pin a field by sending 9999-12-31)', () => {
  const now = T;
  const skew = 300_000;

  it('checkSourceTime accepts up to now + the allowed skew and refuses later, saying by how much', () => {
    expect(checkSourceTime(now, now, skew)).toEqual({ outcome: 'accepted' });
    expect(checkSourceTime(now + skew, now, skew)).toEqual({ outcome: 'accepted' });
    expect(checkSourceTime(now + skew + 1, now, skew)).toMatchObject({
      outcome: 'refused',
      reason: 'future_timestamp',
    });
    expect(checkSourceTime(Date.parse('9999-12-31T23:59:59Z'), now, skew)).toMatchObject({
      outcome: 'refused',
      message: expect.stringContaining('9999-12-31T23:59:59.000Z'),
    });
    expect(checkSourceTime(Number.NaN, now, skew).outcome).toBe('refused');
  });

  it('decideField refuses a value stamped after notAfter, whoever owns the field', () => {
    const far = Date.parse('9999-12-31T23:59:59Z');
    for (const strategy of ['last_writer_wins', 'source_of_truth', 'manual_review', 'merge'] as const) {
      expect(
        decideField(
          policy(strategy),
          state('1', 'erp', T),
          { system: 'crm', value: '2', at: far },
          { ...none, notAfter: now + skew },
        ),
      ).toMatchObject({ outcome: 'refused', reason: 'future_timestamp' });
    }
    // Within the skew it is an ordinary, newer change.
    expect(
      decideField(
        policy('last_writer_wins'),
        state('1', 'erp', T),
        { system: 'crm', value: '2', at: now + skew },
        { ...none, notAfter: now + skew },
      ),
    ).toEqual({ outcome: 'applied', value: '2', conflict: false });
  });

  it('without the check, the pinned value would win every later honest change (the defect)', () => {
    const pinned = nextFieldState(
      undefined,
      { system: 'crm', value: 'x', at: Date.parse('9999-12-31T00:00:00Z') },
      'x',
    );
    expect(
      decideField(policy('last_writer_wins'), pinned, { system: 'erp', value: 'y', at: now }, none).outcome,
    ).toBe('stale');
  });
});
