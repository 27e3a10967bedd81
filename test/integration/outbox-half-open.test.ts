import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';

import type { DataSource } from 'typeorm';

import { KafkaPublisher, ensureTopics } from '@switchboard/kafka';
import { OutboxRelay, OutboxWriter } from '@switchboard/outbox';
import { eventually } from '@switchboard/testing';

import { OUTBOX_MIGRATIONS, dropScratchSchema, scratchSchema } from '../support/db';
import { databaseUrl, kafkaBrokers, uniqueName } from '../support/stack';

jest.setTimeout(90_000);

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * A TCP proxy to PostgreSQL whose connections can be cut the way a dead network path cuts them:
 * the server side is closed (PostgreSQL ends the session and frees its locks) while the client
 * side stays open and silent, a half-open socket the client can only notice by its own deadline.
 */
async function halfOpenProxy(target: URL): Promise<{ url: string; cut: () => void; close: () => void }> {
  const pairs: Array<[Socket, Socket]> = [];
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    client.pipe(upstream).pipe(client);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    pairs.push([client, upstream]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = new URL(target.toString());
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    cut: () => {
      for (const [client, upstream] of pairs.splice(0)) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.destroy();
      }
    },
    close: () => {
      for (const [client, upstream] of pairs.splice(0)) {
        client.destroy();
        upstream.destroy();
      }
      server.close();
    },
  };
}

describe('outbox relay on a connection that dies silently', () => {
  const schema = `relay_half_open_${randomUUID().slice(0, 8)}`;
  const topic = uniqueName('relay-half-open');
  const kafka = { brokers: kafkaBrokers(), clientId: 'relay-half-open' };
  let dataSource: DataSource;
  let relay: OutboxRelay | undefined;
  let proxy: Awaited<ReturnType<typeof halfOpenProxy>>;

  const pending = async () =>
    (
      await dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM ${schema}.outbox_message WHERE published_at IS NULL`,
      )
    )[0].n;
  const enqueue = (n: number) =>
    dataSource.transaction((manager) =>
      new OutboxWriter(schema).enqueue(
        manager,
        Array.from({ length: n }, () => ({
          id: randomUUID(),
          topic,
          key: 'k',
          type: 'test',
          payload: '{}',
          headers: {},
        })),
      ),
    );

  beforeAll(async () => {
    dataSource = await scratchSchema(schema, OUTBOX_MIGRATIONS);
    await ensureTopics(kafka, [{ name: topic, partitions: 1 }]);
    proxy = await halfOpenProxy(new URL(databaseUrl()));
  });

  afterAll(async () => {
    await relay?.stop();
    proxy?.close();
    await dropScratchSchema(dataSource, schema);
  });

  it('notices within seconds, reports it in its health, and publishes again on a new connection', async () => {
    relay = new OutboxRelay({
      schema,
      databaseUrl: proxy.url,
      publisher: new KafkaPublisher(kafka),
      logger: silent,
      pollIntervalMs: 200,
      standbyRetryMs: 200,
      queryTimeoutMs: 2_000,
    });
    relay.start();
    await enqueue(3);
    await eventually(async () => expect(await pending()).toBe(0));
    expect(relay.isHealthy()).toBe(true);

    proxy.cut();
    const cutAt = Date.now();
    await enqueue(5);
    // Unhealthy while it has no live connection (readiness shows it), then healthy and publishing again.
    await eventually(() => expect(relay!.isHealthy()).toBe(false), { timeoutMs: 10_000, intervalMs: 50 });
    await eventually(async () => expect(await pending()).toBe(0), { timeoutMs: 15_000 });
    expect(Date.now() - cutAt).toBeLessThan(15_000);
    await eventually(() => expect(relay!.isHealthy()).toBe(true));
  });
});
