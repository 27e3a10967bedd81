/** Who a sign-in attempt is counted against: the client's address and the name it tries. */
export interface SignInKey {
  kind: 'address' | 'name';
  value: string;
}

export interface SignInLimit {
  maxFailures: number;
  windowMs: number;
}

/**
 * The keys of an attempt, the name first (the more useful to tell a person who is locked out);
 * names compare without case, so `Dana` and `dana` share a count.
 */
export function signInKeys(address: string | undefined, name: string): SignInKey[] {
  return [
    { kind: 'name', value: name.trim().toLowerCase() },
    { kind: 'address', value: address ?? 'unknown' },
  ];
}

/** Past this many keys, recording a failure first forgets the keys whose failures all expired. */
const SWEEP_ABOVE = 10_000;

/**
 * Failed sign-ins per key in a sliding window: after `maxFailures` within `windowMs`, every attempt
 * against that key (even with the right password) is refused until the oldest failure leaves the
 * window. Only failures count: a person who signs in many times a day is never limited.
 *
 * Kept in memory: each replica counts its own attempts (a limit of `maxFailures` x replicas), and a
 * restart forgets them. @nestjs/throttler's storage counts every request and cannot be read without
 * counting one, which is not this rule.
 */
export class SignInLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit: SignInLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** The first locked key of an attempt and the seconds until it frees, or null to let it try. */
  locked(keys: readonly SignInKey[]): { key: SignInKey; retryAfterSeconds: number } | null {
    for (const key of keys) {
      const recent = this.recent(key);
      if (recent.length >= this.limit.maxFailures) {
        const freesAt = recent[recent.length - this.limit.maxFailures] + this.limit.windowMs;
        return { key, retryAfterSeconds: Math.max(1, Math.ceil((freesAt - this.now()) / 1000)) };
      }
    }
    return null;
  }

  /**
   * Counts an attempt as a failure before its password is checked, so that guesses sent in parallel
   * all count; `forgive` takes it back when the password was right. Returns the attempt's time.
   */
  recordFailure(keys: readonly SignInKey[]): number {
    if (this.failures.size > SWEEP_ABOVE) this.sweep();
    const at = this.now();
    for (const key of keys) this.failures.set(idOf(key), [...this.recent(key), at]);
    return at;
  }

  forgive(keys: readonly SignInKey[], at: number): void {
    for (const key of keys) {
      const times = this.failures.get(idOf(key)) ?? [];
      const index = times.lastIndexOf(at);
      if (index >= 0) times.splice(index, 1);
    }
  }

  private recent(key: SignInKey): number[] {
    const since = this.now() - this.limit.windowMs;
    return (this.failures.get(idOf(key)) ?? []).filter((at) => at > since);
  }

  private sweep(): void {
    const since = this.now() - this.limit.windowMs;
    for (const [id, times] of this.failures) if (times.every((at) => at <= since)) this.failures.delete(id);
  }
}

/** What the sign-in page tells a person who is locked out. */
export function lockedMessage(key: SignInKey, retryAfterSeconds: number): string {
  const minutes = Math.ceil(retryAfterSeconds / 60);
  const who = key.kind === 'name' ? 'for this name' : 'from this address';
  return `Too many failed sign-ins ${who}. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}

function idOf(key: SignInKey): string {
  return `${key.kind}:${key.value}`;
}
