// Issue 16, item 6 and acceptance 6: the pollers service against the real Tryton and Request
// Tracker (deploy/real-systems.sh), real ingest, Kafka and PostgreSQL. Two replicas: only the leader
// polls; kill -9 of the leader in the middle of a pass: the standby takes the leadership over, and
// every change reaches ingest's ledger and its Kafka topic exactly once, nothing missed, nothing twice.
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

import { Client } from 'pg';

import { topicOf } from '@switchboard/contracts';
import type { RequestTrackerConnector, TrytonClient } from '@switchboard/connectors';
import { readTopic } from '@switchboard/kafka';
import { LocalCluster, ServiceProcess, eventually } from '@switchboard/testing';

import { pollersEnv } from '../../scripts/support/pollers-env';
import { ROOT, testCluster, testEnv } from '../support/cluster';
import { kafkaBrokers, uniqueName } from '../support/stack';
import { freshDatabaseUrl, realSystemsEnv, rtReader, trytonReader } from '../real-systems/support';

jest.setTimeout(150_000);

/** Posts of the leader's first pass answered before it is caught (held) mid-pass. */
const HOLD_AFTER = 5;

interface Post {
  at: number;
  source: string;
  id: string;
}

/**
 * ingest behind a proxy per replica that records what went through it. After `holdAfter` posts it
 * forwards each post to ingest but holds the answer until `release()`: the replica is then caught in
 * the middle of a pass, with a post ingest accepted and it never heard back about, however slowly
 * the replicas started.
 */
async function recordingProxy(
  target: string,
  holdAfter: number,
): Promise<{ url: string; posts: Post[]; release: () => void; close: () => Promise<void> }> {
  const posts: Post[] = [];
  let held: Array<() => void> | null = [];
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = Object.fromEntries(
        Object.entries(incoming.headers).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'host',
        ),
      );
      const event = JSON.parse(body.toString('utf8')) as { id: string };
      // When the replica sent it (a post in flight when its sender is killed counts as before).
      posts.push({ at: Date.now(), source: headers['x-switchboard-source'] ?? '', id: event.id });
      const hold = held !== null && posts.length > holdAfter;
      void fetch(`${target}${incoming.url}`, { method: incoming.method, headers, body })
        .then(async (answer) => {
          const text = await answer.text();
          if (hold) await new Promise<void>((resolve) => (held ? held.push(resolve) : resolve()));
          outgoing.writeHead(answer.status, { 'content-type': 'application/json' });
          outgoing.end(text);
        })
        .catch(() => incoming.socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    release: () => {
      const waiting = held ?? [];
      held = null;
      for (const resolve of waiting) resolve();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One sample of a replica's /metrics: `name{labels}` -> value. */
async function metrics(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('switchboard_poller_')) continue;
    const at = line.lastIndexOf(' ');
    // The service label every series carries says nothing here.
    const name = line
      .slice(0, at)
      .replace(/,?service="pollers"/, '')
      .replace('{,', '{')
      .replace('{}', '');
    samples.set(name, Number(line.slice(at + 1)));
  }
  return samples;
}

const passes = (samples: Map<string, number>): number =>
  [...samples]
    .filter(([name]) => name.startsWith('switchboard_poller_passes_total'))
    .reduce((t, [, v]) => t + v, 0);

describe('the pollers service: one polling replica, a standby that takes over after kill -9', () => {
  const run = uniqueName('PF')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 16)
    .toUpperCase();
  let cluster: LocalCluster;
  let db: Client;
  let tryton: TrytonClient;
  let rt: RequestTrackerConnector;
  let proxies: Array<Awaited<ReturnType<typeof recordingProxy>>> = [];
  let replicas: Array<ServiceProcess<'pollers'>> = [];
  const parties: number[] = [];
  const tickets: number[] = [];
  let killedAt = 0;

  const createParties = async (count: number): Promise<void> => {
    const start = parties.length;
    const ids = await tryton.model<number[]>(
      'party.party',
      'create',
      Array.from({ length: count }, (_, i) => ({
        name: `Poller ${run} ${start + i}`,
        code: `${run}-${start + i}`,
      })),
    );
    parties.push(...ids);
  };

  const createTickets = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i += 1) {
      const n = tickets.length;
      const created = await rt.request<{ id: number | string }>('POST', '/ticket', {
        Queue: 'Onboarding',
        Subject: `Escalated ${run} ${n} [acct:ACC-${run}-${n}]`,
        Priority: 90,
      });
      tickets.push(Number(created.id));
    }
  };

  beforeAll(async () => {
    const systems = realSystemsEnv();
    process.env.TEST_BASE_PORT ??= '5300';
    const url = await freshDatabaseUrl('switchboard_test_pollers_failover');
    cluster = testCluster('pollers', { DATABASE_URL: url });
    await cluster.provision();
    cluster.services.ingest.start();
    await cluster.services.ingest.waitReady();
    db = new Client({ connectionString: url });
    await db.connect();
    tryton = trytonReader(systems);
    rt = rtReader(systems);
    const startAt = new Date(Date.now() - 2_000).toISOString();
    // Changes made before the pollers start: the first leader's first pass carries them.
    await createParties(16);
    await createTickets(4);
    proxies = [
      await recordingProxy(cluster.url('ingest'), HOLD_AFTER),
      await recordingProxy(cluster.url('ingest'), HOLD_AFTER),
    ];
    replicas = proxies.map((proxy, index) => {
      const port = Number(process.env.TEST_BASE_PORT) + 10 + index;
      return new ServiceProcess('pollers', port, {
        root: ROOT,
        basePort: port,
        logs: { dir: join(ROOT, '.stack/test-logs/pollers', `replica-${index}`) },
        env: {
          ...pollersEnv(testEnv({ ...systems, DATABASE_URL: url }), proxy.url),
          POLLERS_START_AT: startAt,
          TRYTON_PARTIES_POLL_MS: '500',
          RT_ESCALATIONS_POLL_MS: '500',
          POLLERS_LEADER_RETRY_MS: '300',
        },
      });
    });
  });

  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await cluster?.stop();
    for (const proxy of proxies) await proxy.close();
    await db?.end();
  });

  /** Index of the replica that leads now (its gauge says 1), checking that the other one does not. */
  const leaderIndex = async (): Promise<number> => {
    const gauges = await Promise.all(
      replicas.map(async (replica) => (await metrics(replica.url)).get('switchboard_poller_leader')),
    );
    if (gauges.filter((gauge) => gauge === 1).length !== 1)
      throw new Error(`leader gauges ${gauges.join(',')}`);
    return gauges.indexOf(1);
  };
  let leader = -1;

  it('two replicas started together: exactly one leads, and only the leader polls', async () => {
    for (const replica of replicas) replica.start();
    await Promise.all(replicas.map((replica) => replica.waitReady()));
    leader = await eventually(leaderIndex, { timeoutMs: 20_000, intervalMs: 100 });
    const standby = 1 - leader;
    // While the leader is in its first pass (held after HOLD_AFTER posts), sample both replicas.
    for (let sample = 0; sample < 10; sample += 1) {
      expect(await leaderIndex()).toBe(leader);
      expect(passes(await metrics(replicas[standby].url))).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(proxies[standby].posts).toEqual([]);
    const ready = (await (await fetch(`${replicas[standby].url}/health/ready`)).json()) as {
      details: { pollers: { role: string } };
    };
    expect(ready.details.pollers.role).toBe('standby');
  });

  it('kill -9 of the leader mid-pass: the standby leads, nothing is missed, nothing published twice', async () => {
    const standby = 1 - leader;
    const [first, second] = [replicas[leader], replicas[standby]];
    const [firstPosts, secondPosts] = [proxies[leader].posts, proxies[standby].posts];
    // In the middle of the first pass: HOLD_AFTER posts answered, the next accepted but unanswered.
    await eventually(
      () => {
        if (firstPosts.length <= HOLD_AFTER) throw new Error(`${firstPosts.length} posted`);
        return Promise.resolve();
      },
      { timeoutMs: 30_000, intervalMs: 20 },
    );
    await first.kill();
    killedAt = Date.now();
    for (const proxy of proxies) proxy.release();
    expect(firstPosts).toHaveLength(HOLD_AFTER + 1);

    await eventually(
      async () => {
        if ((await metrics(second.url)).get('switchboard_poller_leader') !== 1)
          throw new Error('standby still');
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    // Changes after the takeover reach ingest through the new leader too.
    await createParties(3);
    await createTickets(2);

    const sourceIds = async (): Promise<Map<string, number>> => {
      const { rows } = await db.query<{ source_event_id: string }>(
        `SELECT source_event_id FROM ingest.received_event
         WHERE (source = 'erp' AND source_event_id ~ $1) OR (source = 'support' AND source_event_id ~ $2)`,
        [`^tryton-party-(${parties.join('|')})-`, `^rt-(${tickets.join('|')})-p`],
      );
      const counts = new Map<string, number>();
      for (const { source_event_id: id } of rows) {
        const key = id.startsWith('rt-') ? id.split('-')[1] : `party-${id.split('-')[2]}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return counts;
    };
    await eventually(
      async () => {
        const counts = await sourceIds();
        if (counts.size < parties.length + tickets.length) throw new Error(`${counts.size} in the ledger`);
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    // Each party and each ticket once in the ledger: one version, one escalation, none twice.
    const counts = await sourceIds();
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect([...counts.keys()].sort()).toEqual(
      [...parties.map((id) => `party-${id}`), ...tickets.map(String)].sort(),
    );

    // The killed replica posted nothing after its death; the new leader nothing before it.
    expect(firstPosts.every((post) => post.at <= killedAt)).toBe(true);
    expect(secondPosts.length).toBeGreaterThan(0);
    expect(secondPosts.every((post) => post.at > killedAt)).toBe(true);
    // It read again what the dead leader had posted: ingest answered duplicates, published nothing.
    const after = await metrics(second.url);
    expect(
      after.get('switchboard_poller_events_posted_total{poller="tryton-parties",result="duplicate"}'),
    ).toBeGreaterThanOrEqual(1);

    // On Kafka: each of this run's events once (ingest's outbox publishes what its ledger accepted).
    const { rows: accepted } = await db.query<{ id: string }>(
      `SELECT id FROM ingest.received_event WHERE source_event_id ~ $1 OR source_event_id ~ $2`,
      [`^tryton-party-(${parties.join('|')})-`, `^rt-(${tickets.join('|')})-p`],
    );
    const kafka = { brokers: kafkaBrokers(), clientId: 'pollers-test' };
    await eventually(
      async () => {
        const published = (
          await Promise.all(
            [topicOf('customer_updated'), topicOf('ticket_escalated')].map((t) => readTopic(kafka, t)),
          )
        )
          .flat()
          .map((message) => (JSON.parse(message.value?.toString('utf8') ?? '{}') as { id?: string }).id);
        const times = accepted.map(({ id }) => ({ id, times: published.filter((p) => p === id).length }));
        expect(times).toEqual(accepted.map(({ id }) => ({ id, times: 1 })));
      },
      { timeoutMs: 30_000, intervalMs: 1_000 },
    );

    // The new leader's checkpoints: one row per poller, at the newest change ingest accepted.
    await eventually(
      async () => {
        const { rows } = await db.query<{ poller: string }>(
          'SELECT poller FROM pollers.poller_checkpoint ORDER BY poller',
        );
        expect(rows.map((row) => row.poller)).toEqual(['rt-escalations', 'tryton-parties']);
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
  });
});
