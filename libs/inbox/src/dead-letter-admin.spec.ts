import { topicOf } from '@switchboard/contracts';

import { consumerTopicsOf, consumerTopicsSpec, parseConsumerTopics } from './dead-letter-admin';

describe('consumer topics', () => {
  const definitions = [
    { name: 'ingest', consumes: [] },
    { name: 'erp-orders', consumes: ['deal_won', 'customer_synced'] as const },
  ];

  it('the spec the console reads names the same topics as the definitions', () => {
    const spec = consumerTopicsSpec(definitions);
    expect(spec).toBe('erp-orders=deal_won+customer_synced');
    expect(parseConsumerTopics(spec)).toEqual(consumerTopicsOf(definitions));
    expect([...(consumerTopicsOf(definitions).get('erp-orders') ?? [])]).toEqual([
      topicOf('deal_won'),
      topicOf('customer_synced'),
    ]);
  });

  it('refuses an unknown event type', () => {
    expect(() => parseConsumerTopics('erp-orders=deal_lost')).toThrow('unknown event type deal_lost');
  });
});
