import { SignInLimiter, lockedMessage, signInKeys } from './sign-in-limiter';

const MINUTE = 60_000;

describe('SignInLimiter', () => {
  let now: number;
  const limiter = () => new SignInLimiter({ maxFailures: 5, windowMs: 15 * MINUTE }, () => now);

  beforeEach(() => {
    now = 1_000_000;
  });

  it('locks a name after five failures within the window, from any address', () => {
    const limits = limiter();
    for (let i = 0; i < 4; i++) limits.recordFailure(signInKeys(`10.0.0.${i}`, 'dana'));
    expect(limits.locked(signInKeys('10.0.0.9', 'dana'))).toBeNull();
    limits.recordFailure(signInKeys('10.0.0.4', 'Dana'));
    expect(limits.locked(signInKeys('10.0.0.9', 'dana'))).toEqual({
      key: { kind: 'name', value: 'dana' },
      retryAfterSeconds: 15 * 60,
    });
    expect(limits.locked(signInKeys('10.0.0.9', 'vic'))).toBeNull();
  });

  it('locks an address after five failures, whatever names it tried', () => {
    const limits = limiter();
    for (const name of ['a', 'b', 'c', 'd', 'e']) limits.recordFailure(signInKeys('10.0.0.1', name));
    expect(limits.locked(signInKeys('10.0.0.1', 'vic'))?.key).toEqual({ kind: 'address', value: '10.0.0.1' });
    expect(limits.locked(signInKeys('10.0.0.2', 'vic'))).toBeNull();
  });

  it('frees the key when the oldest of the counted failures leaves the window', () => {
    const limits = limiter();
    for (let i = 0; i < 5; i++) {
      limits.recordFailure(signInKeys('10.0.0.1', 'dana'));
      now += MINUTE;
    }
    // The first failure was 5 minutes ago: it leaves the window in 10.
    expect(limits.locked(signInKeys('10.0.0.1', 'dana'))?.retryAfterSeconds).toBe(10 * 60);
    now += 10 * MINUTE;
    expect(limits.locked(signInKeys('10.0.0.1', 'dana'))).toBeNull();
  });

  it('counts an attempt until its password proves right: parallel guesses count, a success does not', () => {
    const limits = limiter();
    const keys = signInKeys('10.0.0.1', 'dana');
    const inFlight = [1, 2, 3, 4, 5].map(() => limits.recordFailure(keys));
    expect(limits.locked(keys)).not.toBeNull();
    limits.forgive(keys, inFlight[4]);
    expect(limits.locked(keys)).toBeNull();
  });

  it('tells the person which limit and how long', () => {
    expect(lockedMessage({ kind: 'name', value: 'dana' }, 899)).toBe(
      'Too many failed sign-ins for this name. Try again in 15 minutes.',
    );
    expect(lockedMessage({ kind: 'address', value: '10.0.0.1' }, 30)).toBe(
      'Too many failed sign-ins from this address. Try again in 1 minute.',
    );
  });
});
