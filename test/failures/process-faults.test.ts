import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { buildCloudEvent, Topic, type CloudEvent } from '@switchboard/contracts';
import { KafkaPublisher, consumerLag, kafkaConnectionFromEnv } from '@switchboard/kafka';
import { consumerGroupOf } from '@switchboard/platform';
import { ServiceProcess, sampleDeal, type ServiceName } from '@switchboard/testing';

import { ALL_SERVICES } from '../../scripts/provision-all';
import { ROOT, startGroupsAtEnd, testCluster, testEnv } from '../support/cluster';
import { CONSUMER_SCHEMAS, EFFECT_TABLES, TestDatabase } from '../support/db';
import { kafkaBrokers, uniqueName } from '../support/stack';

jest.setTimeout(900_000);

const CONSUMERS = Object.keys(EFFECT_TABLES) as Array<keyof typeof EFFECT_TABLES>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const run = promisify(execFile);
const LOG_DIR = join(ROOT, '.stack/test-logs/process-faults');
/** The longest a scenario's consumers may take to catch up once its faults are over. */
const CATCH_UP_MS = 600_000;
/**
 * No consumer applied anything for this long while some still lag: one is stuck, and the wait ends
 * there with what it says about itself instead of running out its time.
 */
const STALL_MS = 120_000;

/**
 * Crashes, restarts and outages of the parts around the consumers, during a run. Each scenario
 * ends with the same invariant, read from the stores: every event's effect exists exactly once in
 * every consumer, and the events of one key were applied in publication order.
 */
describe('process faults during a run', () => {
  const groupPrefix = uniqueName('process-faults');
  let env: NodeJS.ProcessEnv;
  let services: Record<(typeof CONSUMERS)[number], ServiceProcess>;
  let publisher: KafkaPublisher;
  let db: TestDatabase;

  beforeAll(async () => {
    const cluster = testCluster('process-faults');
    await cluster.provision();
    env = testEnv({ KAFKA_GROUP_PREFIX: groupPrefix, LOG_LEVEL: 'warn' });
    const basePort = Number(process.env.TEST_BASE_PORT ?? 4100);
    services = Object.fromEntries(
      CONSUMERS.map((name, index) => [
        name,
        new ServiceProcess(name as ServiceName, basePort + 1 + index, {
          root: ROOT,
          env,
          basePort,
          logs: { dir: LOG_DIR },
        }),
      ]),
    ) as typeof services;
    await startGroupsAtEnd(groupPrefix, CONSUMERS);
    for (const service of Object.values(services)) service.start();
    await Promise.all(Object.values(services).map((service) => service.waitReady()));
    publisher = new KafkaPublisher(kafkaConnectionFromEnv('process-faults', env));
    await publisher.connect();
    db = new TestDatabase();
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await Promise.all(Object.values(services ?? {}).map((service) => service.stop()));
    await db?.close();
  });

  /** Deals in keys of ten, so per-key order is checked too. */
  const makeDeals = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, n) => ({
      key: `${prefix}-k${Math.floor(n / 10)}`,
      event: buildCloudEvent({
        id: randomUUID(),
        source: 'crm',
        type: 'deal_won',
        data: sampleDeal({ dealId: `${prefix}-${n}` }),
      }),
    }));

  const publish = async (deals: Array<{ key: string; event: CloudEvent<'deal_won'> }>) => {
    for (let start = 0; start < deals.length; start += 1_000) {
      await publisher.publish(
        deals.slice(start, start + 1_000).map(({ key, event }) => ({
          topic: Topic.deal_won,
          key,
          value: JSON.stringify(event),
          headers: {},
        })),
      );
    }
  };

  const countEffects = (consumer: (typeof CONSUMERS)[number], prefix: string, distinct = false) =>
    db.count(
      `SELECT count(${distinct ? 'DISTINCT deal_id' : '*'}) FROM ${EFFECT_TABLES[consumer]} WHERE deal_id LIKE $1`,
      [`${prefix}-%`],
    );

  const effectCounts = async (prefix: string) =>
    Object.fromEntries(
      await Promise.all(
        CONSUMERS.map(async (consumer) => [consumer, await countEffects(consumer, prefix)] as const),
      ),
    ) as Record<(typeof CONSUMERS)[number], number>;

  /** What a consumer that stopped applying says about itself: readiness, group lag, sessions, log. */
  const describeStuck = async (consumer: (typeof CONSUMERS)[number]): Promise<string> => {
    const definition = ALL_SERVICES.find(({ name }) => name === consumer)!;
    // A stuck process may not answer at all.
    const ready = await fetch(`${services[consumer].url}/health/ready`, {
      signal: AbortSignal.timeout(5_000),
    })
      .then(async (response) => `${response.status} ${(await response.text()).slice(0, 400)}`)
      .catch((error: Error) => error.message);
    const lag = await consumerLag(
      { brokers: kafkaBrokers(), clientId: 'test-admin' },
      consumerGroupOf(definition, groupPrefix),
      [Topic.deal_won],
    )
      .then((partitions) =>
        partitions
          .map(({ partition, committed, end }) => `p${partition} ${committed ?? '-'}/${end}`)
          .join(', '),
      )
      .catch((error: Error) => error.message);
    const sessions = await db.rows<{ state: string; wait: string; seconds: number; query: string }>(
      `SELECT state, concat_ws(':', wait_event_type, wait_event) AS wait,
              round(extract(epoch FROM now() - state_change))::int AS seconds, left(query, 100) AS query
       FROM pg_stat_activity WHERE application_name = $1 AND state <> 'idle'`,
      [definition.name],
    );
    const log = (await readFile(join(LOG_DIR, `${consumer}.log`), 'utf8').catch(() => ''))
      .split('\n')
      .filter((line) => /"level":(40|50|60)/.test(line))
      .slice(-15)
      .map((line) => `    ${line.slice(0, 400)}`);
    return [
      `  readiness: ${ready}`,
      `  committed/end offsets: ${lag}`,
      `  busy database sessions: ${sessions.length === 0 ? 'none' : JSON.stringify(sessions)}`,
      `  last warnings and errors of its log (${LOG_DIR}):`,
      ...log,
    ].join('\n');
  };

  /**
   * Waits until every consumer has an effect for each deal, failing once nothing moved for
   * STALL_MS (or CATCH_UP_MS ran out) with the state of the consumers that lag.
   */
  const waitForEffects = async (prefix: string, expected: number) => {
    const deadline = Date.now() + CATCH_UP_MS;
    let last = '';
    let movedAt = Date.now();
    for (;;) {
      const counts = await effectCounts(prefix);
      const lagging = CONSUMERS.filter((consumer) => counts[consumer] < expected);
      if (lagging.length === 0) return;
      const snapshot = JSON.stringify(counts);
      if (snapshot !== last) [last, movedAt] = [snapshot, Date.now()];
      const stalled = Date.now() - movedAt > STALL_MS;
      if (stalled || Date.now() > deadline) {
        const reports = await Promise.all(
          lagging.map(
            async (consumer) =>
              `${consumer}: ${counts[consumer]}/${expected} effects\n${await describeStuck(consumer)}`,
          ),
        );
        throw new Error(
          `${stalled ? `no consumer applied anything for ${STALL_MS / 1_000} s` : `not caught up within ${CATCH_UP_MS / 1_000} s`}\n${reports.join('\n')}`,
        );
      }
      await sleep(1_000);
    }
  };

  const expectExactlyOnceInOrder = async (
    prefix: string,
    deals: Array<{ key: string; event: CloudEvent<'deal_won'> }>,
  ) => {
    await waitForEffects(prefix, deals.length);
    const ids = deals.map(({ event }) => event.id);
    for (const consumer of CONSUMERS) {
      expect({
        consumer,
        effects: await countEffects(consumer, prefix),
        distinct: await countEffects(consumer, prefix, true),
      }).toEqual({ consumer, effects: deals.length, distinct: deals.length });
      const applied = await db.rows<{ id: string }>(
        `SELECT id FROM ${CONSUMER_SCHEMAS[consumer]}.inbox_message WHERE id = ANY($1) ORDER BY position`,
        [ids],
      );
      expect(applied).toHaveLength(deals.length);
      // Per key, the application order is the publication order.
      const rank = new Map(deals.map(({ event }, index) => [event.id, index]));
      const lastByKey = new Map<string, number>();
      const keyOf = new Map(deals.map(({ key, event }) => [event.id, key]));
      for (const { id } of applied) {
        const key = keyOf.get(id)!;
        expect(rank.get(id)!).toBeGreaterThan(lastByKey.get(key) ?? -1);
        lastByKey.set(key, rank.get(id)!);
      }
    }
  };

  it('5: kill -9 of a consumer in the middle of its batches, five times during a 20,000-event run', async () => {
    const prefix = uniqueName('KILL');
    const deals = makeDeals(prefix, 20_000);
    const publishing = publish(deals);
    for (let round = 0; round < 5; round += 1) {
      await sleep(2_500);
      const victim = services[CONSUMERS[round % CONSUMERS.length]];
      await victim.kill();
      victim.start();
      await victim.waitReady();
    }
    await publishing;
    await expectExactlyOnceInOrder(prefix, deals);
  });

  it('7: a rolling restart (SIGTERM) of every consumer during a run', async () => {
    const prefix = uniqueName('ROLL');
    const deals = makeDeals(prefix, 5_000);
    const publishing = publish(deals);
    for (const name of CONSUMERS) {
      await sleep(1_000);
      await services[name].stop();
      // Nest re-raises SIGTERM once it has shut down cleanly; SIGKILL would mean the grace period ran out.
      const exit = await services[name].waitExit();
      expect({ name, graceful: exit.code === 0 || exit.signal === 'SIGTERM' }).toEqual({
        name,
        graceful: true,
      });
      services[name].start();
      await services[name].waitReady();
    }
    await publishing;
    await expectExactlyOnceInOrder(prefix, deals);
  });

  it('6: the Kafka broker stopped for 20 s, then PostgreSQL restarted, during a run', async () => {
    if (process.env.KAFKA_BROKERS_EXTERNAL === 'true')
      throw new Error('needs the local broker of deploy/stack.sh');
    const prefix = uniqueName('OUTAGE');
    const deals = makeDeals(prefix, 6_000);
    await publish(deals.slice(0, 2_000));
    // npm test exports KAFKA_BROKERS (the local address), which stack.sh reads as "someone else's
    // cluster, start nothing": these two calls manage the local broker itself.
    const stack = (command: 'up' | 'down') =>
      run('bash', [join(ROOT, 'deploy/stack.sh'), command], {
        cwd: ROOT,
        env: { ...process.env, KAFKA_BROKERS: '' },
      });
    await stack('down');
    try {
      await sleep(20_000);
    } finally {
      // Whatever happens next, the suites after this one get their broker back.
      await stack('up');
    }
    await publish(deals.slice(2_000, 4_000));
    await sleep(2_000);
    const cluster = (await run('bash', ['-c', 'ls /etc/postgresql'])).stdout.trim();
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', cluster, 'main', 'restart']);
    await publish(deals.slice(4_000));
    await expectExactlyOnceInOrder(prefix, deals);
  });
});
