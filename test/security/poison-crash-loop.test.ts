// The transport rule, against the real broker and database: an event whose
// handling kills its consumer every time is dead-lettered after a bounded number of tries, counted
// across restarts (inbox_attempt, written before the handling), and its partition moves on. Each
// "kill" here is a SIGKILL while the event's downstream call hangs: what an event that blocks the
// event loop past the liveness probe or the session timeout does to a pod.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { Topic, buildCloudEvent, type CloudEvent } from '@switchboard/contracts';
import { KafkaPublisher, kafkaConnectionFromEnv } from '@switchboard/kafka';
import { ServiceProcess, eventually, sampleDeal } from '@switchboard/testing';

import { ROOT, startGroupsAtEnd, testEnv } from '../support/cluster';
import { TestDatabase } from '../support/db';
import { uniqueName } from '../support/stack';
import { SECURITY_BASE_PORT, provisionService } from './support';

jest.setTimeout(300_000);

const MAX_UNFINISHED = 2;

describe('an event that keeps killing its consumer is dead-lettered after a bounded number of tries', () => {
  const marker = `POISON-${randomUUID().slice(0, 8)}`;
  const received: Array<{ poison: boolean; at: number }> = [];
  let downstream: Server;
  let service: ServiceProcess;
  let publisher: KafkaPublisher;
  let db: TestDatabase;

  beforeAll(async () => {
    // The ERP: hangs on anything about the poison deal, creates everything else.
    downstream = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const poison = body.includes(marker);
        received.push({ poison, at: Date.now() });
        if (poison) return; // never answers
        response
          .writeHead(201, { 'content-type': 'application/json' })
          .end(JSON.stringify({ id: String(request.headers['idempotency-key']) }));
      });
    });
    await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}`;
    const groupPrefix = uniqueName('poison');
    const env = testEnv({
      KAFKA_GROUP_PREFIX: groupPrefix,
      DOWNSTREAM_MODE: 'http',
      DOWNSTREAM_URL: url,
      DOWNSTREAM_TIMEOUT_MS: '600000',
      CONSUMER_SESSION_TIMEOUT_MS: '6000',
      CONSUMER_MAX_UNFINISHED_ATTEMPTS: String(MAX_UNFINISHED),
    });
    await provisionService('erp-orders', env);
    await startGroupsAtEnd(groupPrefix, ['erp-orders']);
    service = new ServiceProcess('erp-orders', SECURITY_BASE_PORT + 3, {
      root: ROOT,
      env,
      basePort: 0,
      logs: { dir: join(ROOT, '.stack/test-logs/security-poison') },
    });
    publisher = new KafkaPublisher(kafkaConnectionFromEnv('poison-test', env));
    await publisher.connect();
    db = new TestDatabase();
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.kill();
    downstream?.closeAllConnections();
    await new Promise((resolve) => downstream?.close(resolve));
    await db?.close();
  });

  const deal = (dealId: string): CloudEvent<'deal_won'> =>
    buildCloudEvent({ id: randomUUID(), source: 'crm', type: 'deal_won', data: sampleDeal({ dealId }) });

  it('kills its consumer on every try until the bound, then goes to the dead-letter topic; the next event on its key is applied', async () => {
    const key = `K-${marker}`;
    const poison = deal(`D-${marker}`);
    const healthy = deal(`D-OK-${randomUUID().slice(0, 8)}`);
    await publisher.publish(
      [poison, healthy].map((event) => ({
        topic: Topic.deal_won,
        key,
        value: JSON.stringify(event),
        headers: {},
      })),
    );

    // The first chunk, then MAX_UNFINISHED tries of the event alone: each started, never finished.
    for (let run = 1; run <= MAX_UNFINISHED + 1; run += 1) {
      service.start();
      await eventually(
        () => {
          if (received.filter((r) => r.poison).length < run)
            throw new Error(`try ${run} has not reached the ERP yet`);
        },
        { timeoutMs: 90_000 },
      );
      await service.kill();
    }
    const [attempt] = await db.rows<{ chunk_attempts: number; solo_attempts: number }>(
      'SELECT chunk_attempts, solo_attempts FROM erp_orders.inbox_attempt WHERE id = $1',
      [poison.id],
    );
    expect(attempt).toEqual({ chunk_attempts: MAX_UNFINISHED + 1, solo_attempts: MAX_UNFINISHED });

    // The next start dead-letters it without calling the ERP again, and the partition moves on.
    service.start();
    await eventually(
      async () => {
        const [row] = await db.rows<{ status: string }>(
          'SELECT status FROM erp_orders.inbox_message WHERE id = $1',
          [poison.id],
        );
        if (row?.status !== 'dead_lettered') throw new Error('not dead-lettered yet');
        const applied = await db.count('SELECT count(*) FROM erp_orders.sales_order WHERE deal_id = $1', [
          healthy.data.dealId,
        ]);
        if (applied !== 1) throw new Error('the next event of the key is not applied yet');
      },
      { timeoutMs: 90_000 },
    );
    expect(received.filter((r) => r.poison)).toHaveLength(MAX_UNFINISHED + 1);
    const letters = await db.rows<{ payload: string }>(
      `SELECT payload FROM erp_orders.outbox_message WHERE topic = 'switchboard.dlq.erp-orders'
       AND payload::jsonb->>'eventId' = $1`,
      [poison.id],
    );
    expect(letters).toHaveLength(1);
    expect(JSON.parse(letters[0].payload)).toMatchObject({
      errorClass: 'unexpected',
      errorCode: 'delivery_attempts_exhausted',
    });
    // Finished events leave no attempt rows behind.
    expect(
      await db.count('SELECT count(*) FROM erp_orders.inbox_attempt WHERE id = ANY($1)', [
        [poison.id, healthy.id],
      ]),
    ).toBe(0);
  });
});
