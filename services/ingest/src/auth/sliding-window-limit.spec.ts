import { SlidingWindowLimit } from './sliding-window-limit';

describe('SlidingWindowLimit', () => {
  it('accepts `limit` requests per window, refuses the next with the seconds until one expires', () => {
    const limit = new SlidingWindowLimit(60_000, 3);
    expect(limit.take('crm', 0)).toEqual({ accepted: true });
    expect(limit.take('crm', 10_000)).toEqual({ accepted: true });
    expect(limit.take('crm', 20_000)).toEqual({ accepted: true });
    expect(limit.take('crm', 30_000)).toEqual({ accepted: false, retryAfterSeconds: 30 });
    // Another key has its own window.
    expect(limit.take('erp', 30_000)).toEqual({ accepted: true });
  });

  it('frees one request as each counted one leaves the window; a refused request is not counted', () => {
    const limit = new SlidingWindowLimit(1_000, 2);
    limit.take('crm', 0);
    limit.take('crm', 500);
    expect(limit.take('crm', 999).accepted).toBe(false);
    expect(limit.take('crm', 1_000).accepted).toBe(true);
    expect(limit.take('crm', 1_001).accepted).toBe(false);
    expect(limit.take('crm', 1_500).accepted).toBe(true);
  });

  it('counts exactly over many windows while dropping what expired', () => {
    const limit = new SlidingWindowLimit(100, 50);
    let accepted = 0;
    // 10 requests per ms for 1,000 ms: 50 of every 100 ms window get through.
    for (let now = 0; now < 1_000; now += 1)
      for (let request = 0; request < 10; request += 1) if (limit.take('crm', now).accepted) accepted += 1;
    expect(accepted).toBe(500);
  });
});
