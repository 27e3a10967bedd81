import { runsOutboxRelay } from './service-definition';

describe('runsOutboxRelay', () => {
  it('runs for a producer (ingest) and for a consumer, whose dead letters go through its outbox', () => {
    expect(runsOutboxRelay({ consumes: [], produces: ['deal_won'] })).toBe(true);
    expect(runsOutboxRelay({ consumes: ['deal_won'], produces: [] })).toBe(true);
  });

  it('does not run where nothing reaches the outbox (the pollers, the console)', () => {
    expect(runsOutboxRelay({ consumes: [], produces: [] })).toBe(false);
  });
});
