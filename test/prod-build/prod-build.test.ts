// The production artifacts, run as the containers run them: `npm run build:prod` (what the Dockerfile's
// build stage runs), copied with package.json + package-lock.json into an empty directory outside the
// repository, production dependencies only (`npm ci --omit=dev`, the Dockerfile's deps stage), migrated
// per service by `node dist/services/<name>/src/provision.js` with the schema owner role and
// PROVISION_TOPICS=false (the Kubernetes Job), then every service started from there with its own
// least-privilege database role (k8s/base/common/roles.sql), and one deal posted through ingest.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

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
import { renderOverlay, type K8sObject } from '../k8s/support';
import { EFFECT_PATHS } from '../support/cluster';
import { startGroupAtEnd } from '../support/kafka';
import { databaseUrl, kafkaBrokers, uniqueName } from '../support/stack';

jest.setTimeout(600_000);

const ROOT = join(__dirname, '..', '..');
// Beside the database of DATABASE_URL (switchboard_test -> switchboard_test_prodtest): two checkouts
// testing against one server never drop each other's database.
const DATABASE = `${new URL(databaseUrl()).pathname.slice(1) || 'switchboard'}_prodtest`;
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

const PRODTEST_READ_TOKEN = `prodtest-read-${randomBytes(16).toString('hex')}`;
const PRODTEST_SECRET_SALT = randomBytes(16).toString('hex');

/** `crm=dev-...-change-me,...` -> one strong, distinct secret per source. */
function productionLike(secrets: string): string {
  return secrets
    .split(',')
    .map((pair) => pair.slice(0, pair.indexOf('=')))
    .map((source) => `${source}=prodtest-${source}-${PRODTEST_SECRET_SALT}`)
    .join(',');
}

/** Only what a process started from `dir` would see: no variables of the repository or of Jest. */
function isolatedEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const local = loadLocalEnv(ROOT, {});
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    // NODE_ENV=production refuses the development secrets (...change-me): production-like ones here.
    INGEST_SOURCE_SECRETS: productionLike(local.INGEST_SOURCE_SECRETS ?? ''),
    API_TOKENS: `prodtest:viewer:${PRODTEST_READ_TOKEN}`,
    KAFKA_BROKERS: kafkaBrokers().join(','),
    KAFKA_GROUP_PREFIX: GROUP_PREFIX,
    LOG_LEVEL: 'info',
    OUTBOX_POLL_INTERVAL_MS: '200',
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));
}

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call -- the render is untyped YAML */
type Any = any;

/**
 * What the database-roles Job's pod runs: its container's command and environment from the render, the
 * SQL of its mounted ConfigMap. Here the Secret keys are this server's, and the role prefix is the test's.
 */
function runRolesJob(workdir: string): void {
  const objects = renderOverlay('prod');
  const job = objects.find((o) => o.kind === 'Job' && o.metadata.name === 'database-roles') as Any;
  const pod = job.spec.template.spec;
  const [container] = pod.containers;
  const sqlMount = container.volumeMounts.find((mount: Any) => mount.name === 'sql').mountPath as string;
  const configMapName = pod.volumes.find((volume: Any) => volume.name === 'sql').configMap.name as string;
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === configMapName)!;
  const sqlDir = join(workdir, 'sql');
  mkdirSync(sqlDir, { recursive: true });
  for (const [file, content] of Object.entries(configMap.data ?? {}))
    writeFileSync(join(sqlDir, file), content);
  const admin = new URL(urlFor(DATABASE));
  const adminKeys: Record<string, string> = {
    host: admin.hostname,
    port: admin.port || '5432',
    database: DATABASE,
    username: decodeURIComponent(admin.username),
    password: decodeURIComponent(admin.password),
  };
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  for (const variable of container.env as Any[]) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (!ref) env[variable.name] = variable.value;
    else env[variable.name] = ref.name === 'switchboard-db-admin' ? adminKeys[ref.key] : PASSWORD;
  }
  const argv = (container.command as string[]).map((arg) =>
    arg.replace(sqlMount, sqlDir).replace(/^role_prefix=.*$/, `role_prefix=${ROLE_PREFIX}`),
  );
  // The Job's argv carries no secret: a password would show in the process list.
  expect(argv.join(' ')).not.toMatch(/password|postgres:\/\//i);
  run(argv[0], [...argv.slice(1), '-q'], workdir, env);
}

/** Variables whose cluster address has no counterpart on this machine; everything else is the render's. */
const LOCAL_ADDRESSES = (port: number): NodeJS.ProcessEnv => ({
  // The local broker is plaintext; test/k8s/secure-broker.test.ts runs TLS + SCRAM with these variables.
  KAFKA_BROKERS: kafkaBrokers().join(','),
  KAFKA_SSL: 'false',
  KAFKA_SSL_CA_FILE: undefined,
  KAFKA_SASL_MECHANISM: undefined,
  KAFKA_SASL_USERNAME: undefined,
  KAFKA_SASL_PASSWORD: undefined,
  // Every container listens on 8080; here they share one host.
  PORT: String(port),
  // otel-collector.observability.svc does not resolve here; a closed port fails the same way, quietly.
  OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
  // The shared broker's switchboard.* groups belong to `npm start`; the test uses its own prefix.
  KAFKA_GROUP_PREFIX: GROUP_PREFIX,
});

/**
 * The environment a service's pod gets: its ConfigMap (envFrom), its env entries with the Secret keys
 * filled in, file variables pointing into the mounted ConfigMaps (written under `mounts`), then only
 * LOCAL_ADDRESSES replaced.
 */
function deploymentEnv(
  objects: K8sObject[],
  name: string,
  secretKeys: Record<string, string>,
  mounts: string,
  port: number,
): NodeJS.ProcessEnv {
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name) as Any;
  const pod = deployment.spec.template.spec;
  const [container] = pod.containers;
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: '/tmp' };
  for (const source of container.envFrom as Any[]) {
    const configMap = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === source.configMapRef.name,
    );
    Object.assign(env, configMap!.data);
  }
  for (const variable of container.env as Any[]) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (!ref) {
      env[variable.name] = variable.value;
      continue;
    }
    if (!(ref.key in secretKeys)) throw new Error(`${name}: no test value for Secret key ${ref.key}`);
    env[variable.name] = secretKeys[ref.key];
  }
  // Volumes from ConfigMaps, written where the variables will point (mountPath -> mounts/<volume>).
  const remap: Array<[string, string]> = [];
  for (const mount of container.volumeMounts as Any[]) {
    const volume = pod.volumes.find((v: Any) => v.name === mount.name);
    const local = join(mounts, name, mount.name);
    if (volume.secret) {
      // A credentials Secret (a real downstream's password file): a test value per item.
      mkdirSync(local, { recursive: true });
      for (const item of (volume.secret.items ?? []) as Any[])
        writeFileSync(join(local, item.path), 'test-only-secret');
      remap.push([mount.mountPath as string, local]);
      continue;
    }
    if (!volume.configMap) continue;
    mkdirSync(local, { recursive: true });
    const configMap = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name,
    );
    for (const [file, content] of Object.entries(configMap?.data ?? {}))
      writeFileSync(join(local, file), content);
    remap.push([mount.mountPath as string, local]);
  }
  for (const [variable, value] of Object.entries(env)) {
    for (const [from, to] of remap)
      if (value?.startsWith(`${from}/`)) env[variable] = to + value.slice(from.length);
  }
  const merged = { ...env, ...LOCAL_ADDRESSES(port) };
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
}

describe('production build: built artifacts with production dependencies only', () => {
  let dir: string;
  let runtime: string;
  let cluster: LocalCluster | undefined;

  beforeAll(() => {
    run('npm', ['run', '--silent', 'build:prod'], ROOT);
    dir = mkdtempSync(join(tmpdir(), 'switchboard-prodtest-'));
    // Readable, not writable, by uid 1000 (the image's files are root's and read-only for the process).
    chmodSync(dir, 0o755);
    cpSync(join(ROOT, 'dist/prod'), join(dir, 'dist'), { recursive: true });
    for (const file of ['package.json', 'package-lock.json']) cpSync(join(ROOT, file), join(dir, file));
    // The image's own node, as the pods have it: the checkout's (fetched into .stack/node when the
    // machine's is older) may sit in a directory uid 1000 cannot enter, such as a mktemp -d clone.
    // It lives apart from the build, so the check that the services wrote nothing sees only theirs.
    runtime = mkdtempSync(join(tmpdir(), 'switchboard-prodnode-'));
    chmodSync(runtime, 0o755);
    cpSync(process.execPath, join(runtime, 'node'));
    chmodSync(join(runtime, 'node'), 0o755);
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
    if (runtime) rmSync(runtime, { recursive: true, force: true });
  });

  it('build:prod holds the libraries and services only: no tests, no test support', () => {
    const files = listJs(join(dir, 'dist')).map((path) => path.slice(dir.length + 1));
    expect(files.filter((path) => /\.spec\.js$|libs\/testing\//.test(path))).toEqual([]);
    for (const name of SERVICE_NAMES) {
      expect(existsSync(join(dir, 'dist/services', name, 'src/main.js'))).toBe(true);
      expect(existsSync(join(dir, 'dist/services', name, 'src/provision.js'))).toBe(true);
    }
  });

  it('ships the operator CLI, which runs with production dependencies only', () => {
    const help = execFileSync(process.execPath, ['dist/scripts/switchboard.js', '--help'], {
      cwd: dir,
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
    });
    expect(help).toMatch(/dlq/);
    expect(help).toMatch(/lag/);
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
    runRolesJob(dir);

    // Topics as Strimzi creates them from the KafkaTopic objects (idempotent on the shared broker).
    await ensureTopics(
      kafkaConnectionFromEnv('prodtest-topics', { KAFKA_BROKERS: kafkaBrokers().join(',') }),
      topicsOf(ALL_SERVICES).map(({ name, partitions }) => ({ name, partitions })),
    );

    // The migration Job of each service: its provision.js, owner role, topics left alone.
    const ownerUrl = urlFor(DATABASE, `${ROLE_PREFIX}owner`);
    for (const { name } of ALL_SERVICES) {
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
          const response = await fetch(`${cluster!.url(service)}${path(dealId)}`, {
            headers: { authorization: `Bearer ${PRODTEST_READ_TOKEN}` },
          });
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

  it("every service becomes ready with exactly its Deployment's environment, as uid 1000, writing nothing", async () => {
    // The processes of the fan-out test are done; this starts each service as its pod would.
    await cluster?.stop();
    cluster = undefined;
    const objects = renderOverlay('prod');
    const local = loadLocalEnv(ROOT, {});
    const mounts = mkdtempSync(join(tmpdir(), 'switchboard-prodtest-mounts-'));
    chmodSync(mounts, 0o755);
    const children: Array<{ name: string; child: ChildProcess; output: string[] }> = [];
    try {
      for (const definition of ALL_SERVICES) {
        for (const type of definition.consumes) {
          await startGroupAtEnd(`${GROUP_PREFIX}.${definition.name}`, `switchboard.${type}.v1`);
        }
      }
      ALL_SERVICES.forEach((definition, index) => {
        const role = `${ROLE_PREFIX}${definition.schema}`;
        const env = deploymentEnv(
          objects,
          definition.name,
          {
            'database-url': urlFor(DATABASE, role),
            'database-password': PASSWORD,
            'kafka-username': `switchboard-${definition.name}`,
            'kafka-password': 'unused-on-the-plaintext-broker',
            // NODE_ENV=production refuses the development secrets: production-like ones.
            'source-secrets': productionLike(local.INGEST_SOURCE_SECRETS ?? ''),
            'api-tokens':
              definition.name === 'customer-sync'
                ? `prodtest:viewer+data-steward:${PRODTEST_READ_TOKEN}`
                : `prodtest:viewer:${PRODTEST_READ_TOKEN}`,
          },
          mounts,
          BASE_PORT + 20 + index,
        );
        // What the pod is told about logging, unchanged: LOG_PRETTY 'false' must mean JSON lines.
        expect(env.LOG_PRETTY).toBe('false');
        expect(env.NODE_ENV).toBe('production');
        const asNode = process.getuid?.() === 0 ? { uid: 1000, gid: 1000 } : {};
        const child = spawn(join(runtime, 'node'), [`dist/services/${definition.name}/src/main.js`], {
          cwd: dir,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
          ...asNode,
        });
        const output: string[] = [];
        child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
        child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
        children.push({ name: definition.name, child, output });
      });
      await Promise.all(
        children.map(async ({ name, child, output }, index) => {
          const url = `http://127.0.0.1:${BASE_PORT + 20 + index}/health/ready`;
          const deadline = Date.now() + 90_000;
          for (;;) {
            // A process that exits (a configuration refused, a transport that cannot load) fails at once.
            if (child.exitCode !== null || child.signalCode !== null)
              throw new Error(
                `${name} exited (${child.exitCode ?? child.signalCode}):\n${output.join('').slice(-3000)}`,
              );
            const ok = await fetch(url).then(
              (response) => response.ok,
              () => false,
            );
            if (ok) return;
            if (Date.now() > deadline)
              throw new Error(`${name} not ready within 90 s:\n${output.join('').slice(-3000)}`);
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
        }),
      );
      for (const { name, output } of children) {
        // JSON log lines (no pretty transport), each with the service's name.
        const lines = output
          .join('')
          .split('\n')
          .filter((line) => line.trim() !== '');
        expect(lines.length).toBeGreaterThan(0);
        for (const line of lines.slice(0, 20)) {
          expect({ name, line: (JSON.parse(line) as { service?: string }).service }).toEqual({
            name,
            line: name,
          });
        }
      }
      // Nothing was written next to the code (the root filesystem is read-only in the pod).
      expect(listJs(join(dir, 'dist')).length).toBeGreaterThan(0);
      const written = readdirSync(dir).filter(
        (entry) => !['dist', 'node_modules', 'package.json', 'package-lock.json', 'sql'].includes(entry),
      );
      expect(written).toEqual([]);
    } finally {
      await Promise.all(
        children.map(
          ({ child }) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
            }),
        ),
      );
      rmSync(mounts, { recursive: true, force: true });
    }
  });
});
