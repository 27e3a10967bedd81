import { Gauge, register, type Registry } from 'prom-client';

import { consumerLag, type KafkaConnectionConfig } from '@switchboard/kafka';

const SCRAPE_TIMEOUT_MS = 3_000;

/**
 * Consumer lag (messages between the group's committed offset and the end of each partition),
 * read from the broker at scrape time. Summed per topic: the partition count is an operational
 * detail, the backlog of a consumer is what alerts and dashboards need. A broker that does not
 * answer in time leaves the last values in place instead of failing the whole scrape.
 */
export function registerConsumerLagMetrics(
  connection: KafkaConnectionConfig,
  group: string,
  topics: string[],
  { readLag = consumerLag, registry = register }: { readLag?: typeof consumerLag; registry?: Registry } = {},
): Gauge<'group' | 'topic'> {
  let last: Promise<Map<string, number> | null> | null = null;
  const read = () =>
    (last ??= Promise.race([
      readLag(connection, group, topics).then((partitions) => {
        const byTopic = new Map<string, number>(topics.map((topic) => [topic, 0]));
        for (const { topic, lag } of partitions) byTopic.set(topic, (byTopic.get(topic) ?? 0) + lag);
        return byTopic;
      }),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), SCRAPE_TIMEOUT_MS).unref()),
    ])
      .catch(() => null)
      .finally(() => setTimeout(() => (last = null), 1_000).unref()));
  return new Gauge({
    name: 'switchboard_consumer_lag_messages',
    help: 'Messages not yet consumed by a consumer group (end offset minus committed offset), per topic',
    labelNames: ['group', 'topic'] as const,
    registers: [registry],
    async collect() {
      const lag = await read();
      if (lag) for (const [topic, value] of lag) this.set({ group, topic }, value);
    },
  });
}
