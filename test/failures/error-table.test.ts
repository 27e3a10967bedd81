import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import {
  buildCloudEvent,
  exampleCloudEvent,
  Topic,
  type CloudEvent,
  type CustomerSyncedV1,
} from '@switchboard/contracts';
import { KafkaPublisher, kafkaConnectionFromEnv, partitionForKey, topicEndOffsets } from '@switchboard/kafka';
import { ServiceProcess, eventually, sampleDeal } from '@switchboard/testing';

import { ROOT, startGroupsAtEnd, testCluster, testEnv } from '../support/cluster';
import { TestDatabase } from '../support/db';
import { FakeDownstream } from '../support/fake-downstream';
import { uniqueName } from '../support/stack';

jest.setTimeout(240_000);

const TIMEOUT_MS = 1_000;

/**
 * The request's error table, against a real HTTP server standing in for the ERP: erp-orders runs
 * with DOWNSTREAM_MODE=http and writes every sales order there (Idempotency-Key = event id).
 */
describe('downstream failures (erp-orders -> a real HTTP ERP)', () => {
  const erp = new FakeDownstream();
  const secrets = mkdtempSync(join(tmpdir(), 'switchboard-secret-'));
  const tokenFile = join(secrets, 'erp-token');
  const groupPrefix = uniqueName('faults');
  let service: ServiceProcess;
  let publisher: KafkaPublisher;
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    writeFileSync(tokenFile, 'good-token');
    erp.requireToken('good-token');
    const url = await erp.start();
    const cluster = testCluster('failures');
    await cluster.provision();
    await startGroupsAtEnd(groupPrefix, ['erp-orders']);
    env = testEnv({
      KAFKA_GROUP_PREFIX: groupPrefix,
      DOWNSTREAM_MODE: 'http',
      DOWNSTREAM_URL: url,
      DOWNSTREAM_TOKEN_FILE: tokenFile,
      DOWNSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
      CONSUMER_RETRY_BASE_DELAY_MS: '1000',
      CONSUMER_RETRY_MAX_ATTEMPTS: '10',
      CONSUMER_AUTH_PROBE_INTERVAL_MS: '60000',
    });
    service = new ServiceProcess('erp-orders', Number(process.env.TEST_BASE_PORT ?? 4100) + 1, {
      root: ROOT,
      env,
      basePort: 0,
      logs: { dir: join(ROOT, '.stack/test-logs/failures') },
    });
    service.start();
    await service.waitReady();
    publisher = new KafkaPublisher(kafkaConnectionFromEnv('failures-test', env));
    await publisher.connect();
    db = new TestDatabase();
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.stop();
    await erp.stop();
    await db?.close();
    rmSync(secrets, { recursive: true, force: true });
  });

  const deal = (dealId: string): CloudEvent<'deal_won'> =>
    buildCloudEvent({ id: randomUUID(), source: 'crm', type: 'deal_won', data: sampleDeal({ dealId }) });

  /** Publishes on the deal topic; `key` overrides the deal id to put several deals on one key. */
  const publish = (events: CloudEvent<'deal_won'>[], key?: string) =>
    publisher.publish(
      events.map((event) => ({
        topic: Topic.deal_won,
        key: key ?? event.data.dealId,
        value: JSON.stringify(event),
        headers: {},
      })),
    );

  const created = (event: CloudEvent) => erp.effectsOf('sales-orders').get(event.id);
  const allCreated = (events: CloudEvent[]) => () => {
    const missing = events.filter((event) => !created(event));
    if (missing.length > 0)
      throw new Error(`${missing.length} of ${events.length} not created in the ERP yet`);
  };
  const deadLetters = (events: CloudEvent[]) =>
    db.rows<{ payload: string }>(
      `SELECT payload FROM erp_orders.outbox_message WHERE topic = 'switchboard.dlq.erp-orders'
       AND payload::jsonb->>'eventId' = ANY($1)`,
      [events.map((event) => event.id)],
    );
  const cli = (...args: string[]) =>
    promisify(execFile)(process.execPath, [join(ROOT, 'dist/scripts/switchboard.js'), ...args], {
      env,
      // The broker is shared: the topic holds every earlier run's letters too, well over 1 MB listed.
      maxBuffer: 512 * 1024 * 1024,
    });
  /** The operator's refs of erp-orders' dead letters of these events, from `dlq list`. */
  const letterRefs = async (events: CloudEvent[]) =>
    (await cli('dlq', 'list', '--consumer', 'erp-orders', '--json')).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { ref: string; eventId: string })
      .filter((entry) => events.some((event) => event.id === entry.eventId))
      .map((entry) => entry.ref);
  /**
   * The invariant every scenario ends with: one order per event here, one effect in the ERP. The ERP
   * answers a chunk's calls before the chunk's transaction commits its orders, so the orders are
   * waited for (a second order for an event never goes away, so waiting lets none through).
   */
  const expectExactlyOnce = (events: CloudEvent<'deal_won'>[]) =>
    eventually(
      async () => {
        for (const event of events) {
          expect(created(event)).toBeDefined();
          expect(
            await db.count('SELECT count(*) FROM erp_orders.sales_order WHERE deal_id = $1', [
              event.data.dealId,
            ]),
          ).toBe(1);
        }
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
  const metric = async (name: string, labels: string) => {
    const text = await (await fetch(`${service.url}/metrics`)).text();
    const line = text.split('\n').find((entry) => entry.startsWith(`${name}{`) && entry.includes(labels));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('1 + 8: a 30 s timeout is retried with backoff, and later events of a customer wait for its earlier one', async () => {
    const run = uniqueName('T');
    const sameKey = [deal(`${run}-a`), deal(`${run}-b`), deal(`${run}-c`)];
    const others = [deal(`${run}-x`), deal(`${run}-y`)];
    // Only the customer's first event hangs: the other customers' events, on other partitions,
    // flow meanwhile (and keep the circuit breaker closed, as a healthy ERP would).
    erp.hangFor(30_000, sameKey[0].id);
    await publish(sameKey, `${run}-customer`);
    const othersAt = Date.now() + 8_000;
    await new Promise((resolve) => setTimeout(resolve, othersAt - Date.now()));
    await publish(others);
    await eventually(allCreated([...sameKey, ...others]), { timeoutMs: 120_000, intervalMs: 500 });

    // Backoff observed by the ERP: each retry waits the timeout plus 1 s, 2 s, 4 s, 8 s (+-20 %).
    const attempts = erp.requests
      .filter((request) => request.idempotencyKey === sameKey[0].id)
      .map((r) => r.at);
    expect(attempts.length).toBeGreaterThanOrEqual(5);
    const gaps = attempts.slice(1, 5).map((at, index) => at - attempts[index] - TIMEOUT_MS);
    gaps.forEach((gap, index) => {
      const backoff = 1_000 * 2 ** index;
      expect(gap).toBeGreaterThanOrEqual(backoff * 0.8 - 100);
      expect(gap).toBeLessThanOrEqual(backoff * 1.2 + 1_000);
    });
    // Per-key order: b and c waited for a; nothing was dead-lettered.
    const times = sameKey.map((event) => created(event)!.at);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(await deadLetters([...sameKey, ...others])).toEqual([]);
    await expectExactlyOnce([...sameKey, ...others]);
  });

  it('7: a key waiting on its downstream holds up no other key, of its partition or of another', async () => {
    const run = uniqueName('K');
    const partitions = (await topicEndOffsets(kafkaConnectionFromEnv('failures-test', env), Topic.deal_won))
      .length;
    const partitionOf = (key: string) => partitionForKey(key, partitions);
    const keyOn = (prefix: string, wanted: (partition: number) => boolean) => {
      for (let n = 0; ; n += 1) if (wanted(partitionOf(`${prefix}${n}`))) return `${prefix}${n}`;
    };
    const keyA = `${run}-A`;
    const keyB = keyOn(`${run}-B`, (partition) => partition === partitionOf(keyA));
    const keyC = keyOn(`${run}-C`, (partition) => partition !== partitionOf(keyA));
    const a = [deal(`${run}-a1`), deal(`${run}-a2`)];
    const [b, c] = [deal(`${run}-b`), deal(`${run}-c`)];
    const parkedRows = async () =>
      db.count('SELECT count(*) FROM erp_orders.inbox_parked WHERE id = ANY($1)', [a.map(({ id }) => id)]);

    // Key A's ERP requests get 503 for 8 s; B (same partition) and C (another) are produced after.
    erp.answerFor(a[0].id, 503, 8_000);
    await publish(a, keyA);
    await eventually(() =>
      expect(erp.requests.some((r) => r.idempotencyKey === a[0].id && r.status === 503)).toBe(true),
    );
    const producedAt = Date.now();
    await publish([b], keyB);
    await publish([c], keyC);
    await eventually(allCreated([b, c]), { timeoutMs: 10_000, intervalMs: 50 });
    expect(created(b)!.at - producedAt).toBeLessThan(2_000);
    expect(created(c)!.at - producedAt).toBeLessThan(2_000);
    // Meanwhile A's two events wait, parked in the table, the second behind the first.
    expect(created(a[0])).toBeUndefined();
    expect(await parkedRows()).toBe(2);

    await eventually(allCreated(a), { timeoutMs: 60_000, intervalMs: 200 });
    expect(created(a[1])!.at).toBeGreaterThanOrEqual(created(a[0])!.at);
    // The ERP answers before the retry's transaction commits and releases the parked rows.
    await eventually(async () => expect(await parkedRows()).toBe(0), { timeoutMs: 10_000, intervalMs: 200 });
    // Where the broker really put them: B on A's partition, C on another.
    const partitionsOf = await db.rows<{ id: string; kafka_partition: number }>(
      'SELECT id, kafka_partition FROM erp_orders.inbox_message WHERE id = ANY($1)',
      [[a[0].id, b.id, c.id]],
    );
    const placed = new Map(partitionsOf.map((row) => [row.id, row.kafka_partition]));
    expect(placed.get(b.id)).toBe(placed.get(a[0].id));
    expect(placed.get(c.id)).not.toBe(placed.get(a[0].id));
    expect(await deadLetters([...a, b, c])).toEqual([]);
    await expectExactlyOnce([...a, b, c]);
  });

  it('2: a 429 storm pauses and resumes without dead-lettering anything', async () => {
    const run = uniqueName('R');
    const events = Array.from({ length: 8 }, (_, n) => deal(`${run}-${n}`));
    const retriesBefore = await metric('switchboard_consumer_retries_total', 'class="rate_limited"');
    erp.answer(429, 6_000, '2');
    await publish(events);
    await eventually(allCreated(events), { timeoutMs: 60_000, intervalMs: 500 });
    expect(erp.requests.some((request) => request.status === 429)).toBe(true);
    expect(await metric('switchboard_consumer_retries_total', 'class="rate_limited"')).toBeGreaterThan(
      retriesBefore,
    );
    expect(await deadLetters(events)).toEqual([]);
    await expectExactlyOnce(events);
  });

  it('3: refused credentials hold the connector and raise the alert; fixed credentials apply everything held', async () => {
    const run = uniqueName('A');
    const events = Array.from({ length: 4 }, (_, n) => deal(`${run}-${n}`));
    writeFileSync(tokenFile, 'expired-token');
    await publish(events);
    await eventually(async () =>
      expect(await metric('switchboard_connector_authentication_failed', 'connector="erp"')).toBe(1),
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(events.filter(created)).toEqual([]);
    const refusals = erp.requests.filter((request) => request.status === 401).length;
    expect(refusals).toBeLessThanOrEqual(events.length * 2); // held, not burning retries

    writeFileSync(tokenFile, 'good-token');
    await eventually(allCreated(events), { timeoutMs: 30_000, intervalMs: 500 });
    expect(await metric('switchboard_connector_authentication_failed', 'connector="erp"')).toBe(0);
    expect(await deadLetters(events)).toEqual([]);
    await expectExactlyOnce(events);
  });

  it('4: 7 of 100 refused by the ERP are dead-lettered, the 93 applied; after the fix a CLI replay applies them once', async () => {
    const run = uniqueName('V');
    const events = Array.from({ length: 100 }, (_, n) => deal(`${run}-${String(n).padStart(3, '0')}`));
    const refused = [3, 17, 29, 42, 58, 71, 96].map((n) => events[n]);
    erp.refuse(refused.map((event) => event.data.dealId));
    await publish(events);
    const accepted = events.filter((event) => !refused.includes(event));
    await eventually(allCreated(accepted), { timeoutMs: 60_000, intervalMs: 500 });
    const letters = await eventually(async () => {
      const rows = await deadLetters(refused);
      expect(rows).toHaveLength(7);
      return rows.map(
        (row) => JSON.parse(row.payload) as { errorClass: string; errorCode: string; reason: string },
      );
    });
    for (const letter of letters) {
      expect(letter).toMatchObject({ errorClass: 'validation', errorCode: 'downstream_validation' });
      expect(letter.reason).toContain('422');
    }
    expect(refused.filter(created)).toEqual([]);

    erp.acceptAll();
    // The same events delivered again, not by an operator's replay (a producer retry, an offset
    // rewind): duplicates, never applied behind the later events of their keys.
    const duplicates = await metric('switchboard_consumer_events_total', 'outcome="duplicate"');
    await publish(refused);
    await eventually(
      async () =>
        expect(await metric('switchboard_consumer_events_total', 'outcome="duplicate"')).toBe(duplicates + 7),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(refused.filter(created)).toEqual([]);
    await eventually(async () => {
      const published = await db.count(
        `SELECT count(*) FROM erp_orders.outbox_message WHERE topic = 'switchboard.dlq.erp-orders'
         AND payload::jsonb->>'eventId' = ANY($1) AND published_at IS NOT NULL`,
        [refused.map((event) => event.id)],
      );
      expect(published).toBe(7);
    });
    const refs = await letterRefs(refused);
    expect(refs).toHaveLength(7);
    const replayed = await cli('dlq', 'replay', ...refs);
    expect(replayed.stdout).toContain('replayed 7 message(s)');
    await eventually(allCreated(events), { timeoutMs: 60_000, intervalMs: 500 });
    await expectExactlyOnce(events);
    // Replaying again changes nothing: the inbox knows them now.
    await cli('dlq', 'replay', ...refs);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await expectExactlyOnce(events);
    for (const event of refused) {
      expect(erp.requests.filter((r) => r.idempotencyKey === event.id && r.status === 201)).toHaveLength(1);
    }
  });

  it('a customer_synced dead-lettered and overtaken by a later version applies, on replay, what the later one did not change', async () => {
    const customerId = uniqueName('CUST');
    const crmAccountId = `ACC-${customerId}`;
    const synced = (version: number, fields: CustomerSyncedV1['fields']): CloudEvent<'customer_synced'> =>
      buildCloudEvent({
        id: randomUUID(),
        source: 'switchboard/customer-sync',
        type: 'customer_synced',
        data: {
          ...exampleCloudEvent('customer_synced').data,
          customerId,
          target: 'erp',
          targetExternalId: null,
          version,
          fields,
          crossReferences: [{ system: 'crm', externalId: crmAccountId }],
        },
      });
    const v1 = synced(1, { name: `First ${customerId}`, email: 'v1@example.com', phone: '+49 30 1111' });
    const v2 = synced(2, { name: `Second ${customerId}`, email: 'v2@example.com' });
    const publishSynced = (event: CloudEvent<'customer_synced'>) =>
      publisher.publish([
        { topic: Topic.customer_synced, key: customerId, value: JSON.stringify(event), headers: {} },
      ]);
    const customers = erp.effectsOf.bind(erp, 'customers');

    // The ERP refuses v1 (dead-lettered); v2 applies behind it.
    erp.refuse([`First ${customerId}`]);
    await publishSynced(v1);
    await eventually(async () => expect(await deadLetters([v1])).toHaveLength(1), { timeoutMs: 30_000 });
    await publishSynced(v2);
    await eventually(() => expect(customers().get(v2.id)).toBeDefined(), { timeoutMs: 30_000 });
    erp.acceptAll();

    // The operator replays v1: its phone reaches the ERP; its name and e-mail, which v2 changed, do not.
    await eventually(async () => {
      const published = await db.count(
        `SELECT count(*) FROM erp_orders.outbox_message WHERE topic = 'switchboard.dlq.erp-orders'
         AND payload::jsonb->>'eventId' = $1 AND published_at IS NOT NULL`,
        [v1.id],
      );
      expect(published).toBe(1);
    });
    const refs = await letterRefs([v1]);
    expect(refs).toHaveLength(1);
    await cli('dlq', 'replay', ...refs);
    const applied = await eventually(
      () => {
        const effect = customers().get(v1.id);
        expect(effect).toBeDefined();
        return effect!.body as { fields: Record<string, unknown> };
      },
      { timeoutMs: 30_000 },
    );
    expect(applied.fields).toEqual({ phone: '+49 30 1111' });
    // erp-orders writes its own record after the ERP answered, in the transaction that commits next.
    await eventually(async () =>
      expect(
        await db.rows('SELECT name, email, phone FROM erp_orders.erp_customer WHERE crm_account_id = $1', [
          crmAccountId,
        ]),
      ).toEqual([{ name: `Second ${customerId}`, email: 'v2@example.com', phone: '+49 30 1111' }]),
    );
  });
});
