import { Counter, Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';

import { quoteIdent } from '@switchboard/outbox';

export const outboxPublished = new Counter({
  name: 'switchboard_outbox_published_total',
  help: 'Outbox messages published to Kafka, by topic',
  labelNames: ['topic'] as const,
});

export const outboxSetAside = new Counter({
  name: 'switchboard_outbox_set_aside_total',
  help: 'Outbox messages Kafka refused as too large for their topic, moved to outbox_set_aside',
  labelNames: ['topic'] as const,
});

export const outboxTopicMissing = new Gauge({
  name: 'switchboard_outbox_topic_missing',
  help: 'Topics the outbox has messages for that Kafka does not know (1 while missing); the others flow on',
  labelNames: ['topic'] as const,
});

/** Backlog gauges are read from the table at scrape time, so every replica reports the truth. */
export function registerOutboxBacklogMetrics(dataSource: DataSource, schema: string): void {
  const table = `${quoteIdent(schema)}.outbox_message`;
  const setAside = `${quoteIdent(schema)}.outbox_set_aside`;
  let last: Promise<{ pending: number; oldest: number; aside: number }> | null = null;
  const read = () =>
    (last ??= dataSource
      .query(
        `SELECT count(*)::int AS pending, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float AS oldest,
           (SELECT count(*)::int FROM ${setAside}) AS aside
         FROM ${table} WHERE published_at IS NULL`,
      )
      .then((rows: Array<{ pending: number; oldest: number; aside: number }>) => rows[0])
      .finally(() => setTimeout(() => (last = null), 1_000)));
  new Gauge({
    name: 'switchboard_outbox_pending_messages',
    help: 'Outbox rows committed but not yet published',
    async collect() {
      this.set((await read()).pending);
    },
  });
  new Gauge({
    name: 'switchboard_outbox_set_aside_messages',
    help: 'Outbox rows set aside as too large for their topic, waiting for an operator',
    async collect() {
      this.set((await read()).aside);
    },
  });
  new Gauge({
    name: 'switchboard_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest unpublished outbox row',
    async collect() {
      this.set((await read()).oldest);
    },
  });
}
