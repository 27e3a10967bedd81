import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';

import { Client } from 'pg';

import { topicOf } from '@switchboard/contracts';
import { RequestTrackerConnector, TrytonClient } from '@switchboard/connectors';
import { consumerGroupOf } from '@switchboard/platform';
import { LocalCluster } from '@switchboard/testing';

import { ALL_SERVICES } from '../../scripts/provision-all';
import { API_TOKENS } from '../customer-sync/support';
import { ROOT, testEnv } from '../support/cluster';
import { startGroupAtEnd } from '../support/kafka';
import { databaseUrl, uniqueName } from '../support/stack';

/** Where the systems answer: set in the environment, these win over deploy/real-systems.env. */
const SYSTEM_ADDRESSES = [
  'TRYTON_URL',
  'TRYTON_DATABASE',
  'CRM_URL',
  'CRM_DATABASE',
  'RT_URL',
  'CARDDAV_URL',
];

/**
 * deploy/real-systems.env: the switch the local stack uses, read the same way. The systems'
 * addresses may be overridden from the environment, so a run can use a Tryton of its own (say, a
 * second trytond on another port to try a server setting without restarting the shared one).
 */
export function realSystemsEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(ROOT, 'deploy/real-systems.env'), 'utf8').split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env[match[1]] = match[2]!;
  }
  for (const key of SYSTEM_ADDRESSES) {
    const value = process.env[key];
    if (value) env[key] = value;
  }
  return env;
}

/**
 * This suite's own database (never another suite's, nor another run's: it is named after the run's
 * DATABASE_URL, `<database>_real`), created afresh for each suite: Tryton and RT
 * start from their golden copies (deploy/real-systems.sh), so RT numbers its tickets from 1 again,
 * and an inbox or ingest record of an earlier run would take a new ticket for an old one (the
 * escalation poller's event ids carry the ticket number).
 */
export async function realSystemsDatabaseUrl(): Promise<string> {
  return freshDatabaseUrl(`${new URL(databaseUrl()).pathname.slice(1) || 'switchboard_test'}_real`);
}

/**
 * A database of a suite's own, dropped and created afresh: no ledger, inbox or checkpoint row of an
 * earlier run, whose event ids may name records of a real system since reset to its golden copy (an
 * RT ticket id given again, say, which ingest would refuse as an id reused with another body).
 */
export async function freshDatabaseUrl(database: string): Promise<string> {
  const url = new URL(databaseUrl());
  url.pathname = `/${database}`;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  return url.toString();
}

/** A reader on Tryton's own API, with its own session (not the consumers'). */
export function trytonReader(env = realSystemsEnv()): TrytonClient {
  return new TrytonClient({
    name: 'tryton-test-reader',
    url: env.TRYTON_URL,
    database: env.TRYTON_DATABASE,
    username: env.TRYTON_USER,
    password: env.TRYTON_PASSWORD,
  });
}

/** A reader and writer on the CRM's Tryton database (as its administrator), with its own session. */
export function crmReader(env = realSystemsEnv()): TrytonClient {
  return new TrytonClient({
    name: 'tryton-crm-test',
    url: env.CRM_URL,
    database: env.CRM_DATABASE,
    username: env.CRM_USER,
    password: env.CRM_PASSWORD,
  });
}

export function rtReader(env = realSystemsEnv()): RequestTrackerConnector {
  return new RequestTrackerConnector({
    name: 'rt-test-reader',
    url: env.RT_URL,
    username: env.RT_USER,
    password: env.RT_PASSWORD,
    queue: env.RT_QUEUE,
  });
}

/**
 * An HTTP proxy in front of a real system that lets the request through (so the system commits)
 * and then drops the connection instead of answering, for requests `drop` picks: the "timed out
 * after the downstream committed" case.
 */
export async function droppingProxy(
  target: string,
  drop: (method: string, path: string, body: string) => boolean,
): Promise<{ url: string; dropped: () => number; close: () => Promise<void> }> {
  const upstream = new URL(target);
  let dropped = 0;
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          // As a reverse proxy in front of the system: its own host and origin, not the proxy's.
          headers: {
            ...incoming.headers,
            host: upstream.host,
            ...(incoming.headers.origin ? { origin: upstream.origin } : {}),
          },
          // A fresh connection per request: a pooled keep-alive socket the system already closed
          // would fail the forward, and the test would take that for a dropped answer although the
          // system never saw the request.
          agent: false,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            if (drop(incoming.method ?? 'GET', incoming.url ?? '/', body.toString('utf8'))) {
              dropped += 1;
              incoming.socket.destroy();
              return;
            }
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            outgoing.end(Buffer.concat(parts));
          });
        },
      );
      forward.on('error', () => incoming.socket.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname === '/' ? '' : upstream.pathname}`,
    dropped: () => dropped,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The CRM suites' services with the real systems: customer-sync (deploy/ownership.yaml) and crm-sync
 * in the cluster, only `running` started, on a database of the suite's own, every consumer group
 * starting at its topics' end (events of earlier runs on the broker are not this suite's).
 */
export async function startCrmCluster(options: {
  suite: string;
  database: string;
  running: string[];
}): Promise<{ cluster: LocalCluster; db: Client }> {
  const groupPrefix = uniqueName(`test-${options.suite}`);
  const env = testEnv({
    ...realSystemsEnv(),
    DATABASE_URL: await freshDatabaseUrl(options.database),
    KAFKA_GROUP_PREFIX: groupPrefix,
    CUSTOMER_SYNC_API_TOKENS: API_TOKENS,
    CUSTOMER_SYNC_OWNERSHIP_FILE: join(ROOT, 'deploy/ownership.yaml'),
  });
  const cluster = new LocalCluster({
    root: ROOT,
    env,
    basePort: Number(process.env.TEST_BASE_PORT),
    withCustomerSync: true,
    withCrmSync: true,
    logs: { dir: join(ROOT, `.stack/test-logs/${options.suite}`) },
    afterProvision: async () => {
      for (const definition of ALL_SERVICES.filter((s) => options.running.includes(s.name))) {
        for (const type of definition.consumes) {
          await startGroupAtEnd(consumerGroupOf(definition, groupPrefix), topicOf(type));
        }
      }
    },
  });
  await cluster.provision();
  const db = new Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  const needed = Object.values(cluster.services).filter((service) => options.running.includes(service.name));
  for (const service of needed) service.start();
  // Generous: the real-systems lane shares two cores with Tryton and the other lane.
  await Promise.all(needed.map((service) => service.waitReady(180_000)));
  return { cluster, db };
}
