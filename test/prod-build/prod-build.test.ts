// The production artifacts, run as the containers run them: `npm run build:prod` (what the Dockerfile's
// build stage runs), copied with package.json + package-lock.json into an empty directory outside the
// repository, production dependencies only (`npm ci --omit=dev`, the Dockerfile's deps stage), migrated
// per service by `node dist/services/<name>/src/provision.js` with the schema owner role and
// PROVISION_TOPICS=false (the Kubernetes Job), then every service started from there with its own
// least-privilege database role (k8s/base/common/roles.sql), and one deal posted through ingest.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';

import { ensureTopics, kafkaConnectionFromEnv } from '@switchboard/kafka';
import {
  IngestClient,
  LocalCluster,
  SERVICE_NAMES,
  eventually,
  loadLocalEnv,
  sampleDeal,
  type FanoutServiceName,
} from '@switchboard/testing';

import { topicsOf } from '../../scripts/generate-k8s';
import { ALL_SERVICES } from '../../scripts/provision-all';
import { EFFECT_PATHS } from '../support/cluster';
import { databaseUrl, kafkaBrokers, uniqueName } from '../support/stack';

jest.setTimeout(600_000);

const ROOT = join(__dirname, '..', '..');
const DATABASE = 'switchboard_prodtest';
const ROLE_PREFIX = 'sbprodtest_';
const GROUP_PREFIX = 'switchboard-prodtest';
const BASE_PORT = Number(process.env.PRODTEST_BASE_PORT ?? 4500);
const PASSWORD = 'prodtest-only-password';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

function definitionOf(name: string) {
  const definition = ALL_SERVICES.find((d) => d.name === name);
  if (!definition) throw new Error(`${name} is not in ALL_SERVICES`);
  return definition;
}

/** The test database URL with another user and database (the server of `npm test`). */
function urlFor(database: string, user?: string): string {
  const url = new URL(databaseUrl());
  url.pathname = `/${database}`;
  if (user) {
    url.username = user;
    url.password = PASSWORD;
  }
  return url.toString();
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  execFileSync(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

function listJs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listJs(path);
    return name.endsWith('.js') ? [path] : [];
  });
}

/** Only what a process started from `dir` would see: no variables of the repository or of Jest. */
function isolatedEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const local = loadLocalEnv(ROOT, {});
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    INGEST_SOURCE_SECRETS: local.INGEST_SOURCE_SECRETS,
    KAFKA_BROKERS: kafkaBrokers().join(','),
    KAFKA_GROUP_PREFIX: GROUP_PREFIX,
    LOG_LEVEL: 'info',
    OUTBOX_POLL_INTERVAL_MS: '200',
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));
}

/** Commits the end offsets of `topic` for a group with no members, so it reads only new events. */
async function startGroupAtEnd(groupId: string, topic: string): Promise<void> {
  const admin = new Kafka({
    clientId: 'prodtest-admin',
    brokers: kafkaBrokers(),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: ends.map(({ partition, high }) => ({ partition, offset: high })),
    });
  } finally {
    await admin.disconnect();
  }
}

describe('production build: built artifacts with production dependencies only', () => {
  let dir: string;
  let cluster: LocalCluster | undefined;

  beforeAll(() => {
    run('npm', ['run', '--silent', 'build:prod'], ROOT);
    dir = mkdtempSync(join(tmpdir(), 'switchboard-prodtest-'));
    cpSync(join(ROOT, 'dist/prod'), join(dir, 'dist'), { recursive: true });
    for (const file of ['package.json', 'package-lock.json']) cpSync(join(ROOT, file), join(dir, file));
    const install = ['--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'];
    try {
      run('npm', ['ci', ...install], dir);
    } catch {
      // npm ci refuses a lock file out of step with package.json (see scripts/test.sh): same fallback.
      run('npm', ['install', '--no-save', ...install], dir);
    }
  });

  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('build:prod holds the libraries and services only: no tests, no test support', () => {
    const files = listJs(join(dir, 'dist')).map((path) => path.slice(dir.length + 1));
    expect(files.filter((path) => /\.spec\.js$|libs\/testing\//.test(path))).toEqual([]);
    for (const name of SERVICE_NAMES) {
      expect(existsSync(join(dir, 'dist/services', name, 'src/main.js'))).toBe(true);
      expect(existsSync(join(dir, 'dist/services', name, 'src/provision.js'))).toBe(true);
    }
  });

  it('installs no devDependency, and everything the runtime code requires resolves without them', () => {
    const installed = readdirSync(join(dir, 'node_modules'));
    // A devDependency may also be a production package's own dependency (protobufjs, under the
    // OpenTelemetry exporters, depends on @types/node); the lock file marks what only dev needs.
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    for (const dev of Object.keys(pkg.devDependencies)) {
      if (dev in pkg.dependencies || !lock.packages[`node_modules/${dev}`]?.dev) continue;
      expect({ dev, installed: existsSync(join(dir, 'node_modules', dev)) }).toEqual({
        dev,
        installed: false,
      });
    }
    expect(installed.length).toBeGreaterThan(0);
    const unresolved: string[] = [];
    for (const file of listJs(join(dir, 'dist'))) {
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(/\brequire\((["'])([^"']+)\1\)/g)) {
        const request = match[2];
        if (request.startsWith('node:') || builtinModules.includes(request)) continue;
        try {
          require.resolve(request, { paths: [dirname(file)] });
        } catch {
          unresolved.push(`${file.slice(dir.length + 1)}: ${request}`);
        }
      }
    }
    expect(unresolved).toEqual([]);
    // pino-pretty (a devDependency) is only a pino transport target, used with LOG_PRETTY=true, never required.
    expect(existsSync(join(dir, 'node_modules/pino-pretty'))).toBe(false);
  });

  it('migrates with the owner role, serves with per-service roles, and fans out one deal', async () => {
    // A fresh database with the roles of k8s/base/common/roles.sql (as the database-roles Job runs it).
    const admin = new Client({ connectionString: urlFor('postgres') });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${DATABASE}`);
    } finally {
      await admin.end();
    }
    const passwords = ALL_SERVICES.flatMap((d) => ['-v', `${d.schema}_password=${PASSWORD}`]);
    run(
      'psql',
      [
        '--no-psqlrc',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-v',
        `role_prefix=${ROLE_PREFIX}`,
        '-v',
        `owner_password=${PASSWORD}`,
        ...passwords,
        '-f',
        join(ROOT, 'k8s/base/common/roles.sql'),
        urlFor(DATABASE),
      ],
      ROOT,
    );

    // Topics as Strimzi creates them from the KafkaTopic objects (idempotent on the shared broker).
    await ensureTopics(
      kafkaConnectionFromEnv('prodtest-topics', { KAFKA_BROKERS: kafkaBrokers().join(',') }),
      topicsOf(ALL_SERVICES).map(({ name, partitions }) => ({ name, partitions })),
    );

    // The migration Job of each service: its provision.js, owner role, topics left alone.
    const ownerUrl = urlFor(DATABASE, `${ROLE_PREFIX}owner`);
    for (const name of SERVICE_NAMES) {
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [`dist/services/${name}/src/provision.js`], {
          cwd: dir,
          env: isolatedEnv({ DATABASE_URL: ownerUrl, PROVISION_TOPICS: 'false', KAFKA_BROKERS: undefined }),
          stdio: 'ignore',
        });
        child.once('exit', resolve);
      });
      expect({ name, code }).toEqual({ name, code: 0 });
    }

    // New consumer groups start at the end of their topics, not at the shared broker's backlog.
    for (const definition of ALL_SERVICES.filter((d) =>
      SERVICE_NAMES.includes(d.name as FanoutServiceName),
    )) {
      for (const type of definition.consumes) {
        await startGroupAtEnd(`${GROUP_PREFIX}.${definition.name}`, `switchboard.${type}.v1`);
      }
    }

    cluster = new LocalCluster({
      root: dir,
      env: isolatedEnv({}),
      basePort: BASE_PORT,
      logs: { dir: join(ROOT, '.stack/test-logs/prod-build') },
    });
    for (const name of SERVICE_NAMES) {
      const role = `${ROLE_PREFIX}${definitionOf(name).schema}`;
      cluster.services[name].start({ DATABASE_URL: urlFor(DATABASE, role) });
    }
    await Promise.all(SERVICE_NAMES.map((name) => cluster!.services[name].waitReady(90_000)));

    const dealId = uniqueName('D-prod');
    const client = IngestClient.fromEnv(cluster.url('ingest'), isolatedEnv({}));
    const posted = await client.post('crm', {
      id: `crm-${dealId}`,
      type: 'deal_won',
      data: sampleDeal({ dealId }),
    });
    expect(posted.status).toBe(202);

    for (const [service, path] of EFFECT_PATHS) {
      const effect = await eventually(
        async () => {
          const response = await fetch(`${cluster!.url(service)}${path(dealId)}`);
          if (!response.ok) throw new Error(`${service}: ${response.status}`);
          return response.json() as Promise<Record<string, unknown>>;
        },
        { timeoutMs: 60_000 },
      );
      expect(JSON.stringify(effect)).toContain(dealId);
    }
  });

  it('each service role touches only its own schema, and no service role can change a schema', async () => {
    const [first, second] = ALL_SERVICES.filter((d) => d.consumes.length > 0);
    const client = new Client({ connectionString: urlFor(DATABASE, `${ROLE_PREFIX}${first.schema}`) });
    await client.connect();
    try {
      await expect(client.query(`SELECT count(*) FROM ${first.schema}.inbox_message`)).resolves.toBeTruthy();
      await expect(client.query(`SELECT count(*) FROM ${second.schema}.inbox_message`)).rejects.toThrow(
        /permission denied/,
      );
      await expect(client.query(`CREATE TABLE ${first.schema}.intruder (id int)`)).rejects.toThrow(
        /permission denied/,
      );
      await expect(client.query(`DROP TABLE ${first.schema}.inbox_message`)).rejects.toThrow(/must be owner/);
      await expect(client.query('CREATE TABLE public.intruder (id int)')).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await client.end();
    }
  });
});
