/**
 * Requests per key in a sliding window, counted as @nestjs/throttler's in-memory storage counts
 * them: a request is refused while `limit` requests of the last `windowMs` were accepted, and a
 * refused one is not counted. That storage filters every hit of the window on each request and
 * spreads them into Math.min: at 700 requests/s of one source it took 7 % of ingest's CPU, and the
 * cost grows with the rate. Here each accepted request's expiry goes to the back of its key's queue
 * and expired ones leave from the front: constant time per request.
 */
export class SlidingWindowLimit {
  private readonly queues = new Map<string, { expiries: number[]; head: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly limit: number,
  ) {}

  /** Counts a request of `key`, or refuses it with the seconds until the oldest counted one expires. */
  take(key: string, now = Date.now()): { accepted: true } | { accepted: false; retryAfterSeconds: number } {
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { expiries: [], head: 0 };
      this.queues.set(key, queue);
    }
    const { expiries } = queue;
    while (queue.head < expiries.length && expiries[queue.head] <= now) queue.head += 1;
    // The expired front is dropped once it is most of the array, so each entry is moved once at most.
    if (queue.head > 1_024 && queue.head * 2 > expiries.length) {
      expiries.splice(0, queue.head);
      queue.head = 0;
    }
    if (expiries.length - queue.head >= this.limit) {
      return {
        accepted: false,
        retryAfterSeconds: Math.max(1, Math.ceil((expiries[queue.head] - now) / 1000)),
      };
    }
    expiries.push(now + this.windowMs);
    return { accepted: true };
  }
}
