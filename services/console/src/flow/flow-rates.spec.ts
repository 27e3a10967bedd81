import { ratesBetween } from './flow-rates';

describe('flow rates', () => {
  it('events per minute and the dead-lettered share between two readings', () => {
    expect(
      ratesBetween({ at: 0, committed: 100, deadLetters: 2 }, { at: 30_000, committed: 200, deadLetters: 7 }),
    ).toEqual({ perMinute: 200, failureRatio: 0.05 });
  });

  it('nothing to say without an earlier reading, or one too old', () => {
    expect(ratesBetween(undefined, { at: 1, committed: 1, deadLetters: 0 })).toEqual({
      perMinute: null,
      failureRatio: null,
    });
    expect(
      ratesBetween(
        { at: 0, committed: 0, deadLetters: 0 },
        { at: 16 * 60_000, committed: 9, deadLetters: 0 },
      ),
    ).toEqual({ perMinute: null, failureRatio: null });
    expect(
      ratesBetween({ at: 0, committed: 5, deadLetters: 0 }, { at: 60_000, committed: 5, deadLetters: 0 }),
    ).toEqual({ perMinute: 0, failureRatio: null });
  });
});
