import { Registry } from 'prom-client';

import type { PartitionLag } from '@switchboard/kafka';

import { registerConsumerLagMetrics } from './consumer-lag.metrics';

const connection = { clientId: 'spec', brokers: ['127.0.0.1:1'] } as never;

function lag(topic: string, partition: number, value: number): PartitionLag {
  return { topic, partition, committed: '0', end: String(value), lag: value };
}

describe('switchboard_consumer_lag_messages', () => {
  it('sums the lag of every partition per topic, 0 for a topic without lag', async () => {
    const registry = new Registry();
    const readLag = jest.fn(() =>
      Promise.resolve([lag('deals', 0, 3), lag('deals', 1, 4), lag('orders', 0, 0)]),
    );
    registerConsumerLagMetrics(connection, 'g', ['deals', 'orders', 'quiet'], { readLag, registry });
    const text = await registry.metrics();
    expect(text).toContain('switchboard_consumer_lag_messages{group="g",topic="deals"} 7');
    expect(text).toContain('switchboard_consumer_lag_messages{group="g",topic="orders"} 0');
    expect(text).toContain('switchboard_consumer_lag_messages{group="g",topic="quiet"} 0');
    expect(readLag).toHaveBeenCalledWith(connection, 'g', ['deals', 'orders', 'quiet']);
  });

  it('keeps the last values when the broker does not answer, without failing the scrape', async () => {
    const registry = new Registry();
    const readLag = jest
      .fn()
      .mockResolvedValueOnce([lag('deals', 0, 5)])
      .mockRejectedValueOnce(new Error('broker down'));
    registerConsumerLagMetrics(connection, 'g', ['deals'], { readLag, registry });
    expect(await registry.metrics()).toContain('topic="deals"} 5');
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the 1 s read cache
    await expect(registry.metrics()).resolves.toContain('topic="deals"} 5');
    expect(readLag).toHaveBeenCalledTimes(2);
  });
});
