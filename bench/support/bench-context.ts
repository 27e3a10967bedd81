import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { Pool, type PoolClient } from 'pg';

import { ALL_SERVICE_NAMES, ServiceProcess, loadLocalEnv, type ServiceName } from '@switchboard/testing';

import { SERVICE_NODE_OPTIONS } from '../../scripts/service-runtime';
import { nullConsumerService } from '../null-consumer/service.definition';
import { CpuWindow, machineBusy, pidsByCmdline, postgresPids } from './cpu';
import { formatProfile, newestProfile, summarizeProfile } from './cpu-profile';
import { peakRssMb } from './memory';

/** The four consumers of the deal_won fan-out (each applies one effect per deal). */
export const DEAL_WON_CONSUMERS = [
  'erp-orders',
  'finance-invoicing',
  'support-onboarding',
  'marketing-segments',
] as const;
export type DealWonConsumer = (typeof DEAL_WON_CONSUMERS)[number];

/**
 * Node apps of the benchmark itself (bench/<name>/main.ts, built to dist/bench/<name>/main.js),
 * started, measured and stopped like the services.
 */
export const BENCH_APPS = ['null-consumer', 'raw-consumer'] as const;
export type BenchApp = (typeof BENCH_APPS)[number];

/** What the consumer phase measures through an inbox: a deal_won consumer or the null consumer. */
export type InboxConsumer = DealWonConsumer | 'null-consumer';

/** The schema each service owns (its ServiceDefinition), where its inbox and effects live. */
export const SCHEMA_OF: Record<'ingest' | InboxConsumer, string> = {
  ingest: 'ingest',
  'erp-orders': 'erp_orders',
  'finance-invoicing': 'finance_invoicing',
  'support-onboarding': 'support_onboarding',
  'marketing-segments': 'marketing_segments',
  'null-consumer': nullConsumerService.schema,
};

export function isDealWonConsumer(name: string): name is DealWonConsumer {
  return (DEAL_WON_CONSUMERS as readonly string[]).includes(name);
}

function isBenchApp(name: string): name is BenchApp {
  return (BENCH_APPS as readonly string[]).includes(name);
}

/** Everything the phases share: environment, database pool, the services they start. */
export class Bench {
  readonly root = join(__dirname, '..', '..', '..');
  readonly runId: string;
  readonly runDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly brokers: string[];
  readonly databaseUrl: string;
  readonly basePort: number;
  readonly pool: Pool;
  private readonly kafkaPid: number | null;
  private readonly running = new Set<ServiceProcess>();
  private readonly ownBackends = new Set<number>();
  /** The pool's clients whose backend is in `ownBackends`. */
  private readonly known = new WeakSet<PoolClient>();

  constructor() {
    this.env = loadLocalEnv(this.root);
    this.runId = required(this.env, 'BENCH_RUN_ID');
    this.runDir = required(this.env, 'BENCH_RUN_DIR');
    this.databaseUrl = required(this.env, 'DATABASE_URL');
    this.brokers = required(this.env, 'KAFKA_BROKERS').split(',');
    this.basePort = this.number('BENCH_PORT_BASE', 4300);
    this.kafkaPid = this.env.BENCH_KAFKA_PID ? Number(this.env.BENCH_KAFKA_PID) : null;
    this.pool = new Pool({ connectionString: this.databaseUrl, max: 2, application_name: 'bench' });
    // An idle connection can be killed under us (a restart of the shared server by someone's test):
    // the pool reconnects on the next query; without a listener the error would end the process.
    this.pool.on('error', (error) => log(`database connection lost (${error.message}); reconnecting`));
  }

  /** A positive number from the environment, or the default. */
  number(name: string, fallback: number): number {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}=${raw} is not a positive number`);
    return value;
  }

  /** Whether phase `n` (3-6) is selected by BENCH_PHASES (default: all). */
  wants(phase: number): boolean {
    return (this.env.BENCH_PHASES ?? '1 2 3 4 5 6').split(/[\s,]+/).includes(String(phase));
  }

  /** A short tag unique to this run, usable inside deal ids. */
  get tag(): string {
    return this.runId.replace(/\D/g, '').slice(2);
  }

  /**
   * Starts one service from dist/ on its benchmark port (ingest 4300, then ALL_SERVICE_NAMES order,
   * then the BENCH_APPS).
   */
  start(name: ServiceName | BenchApp, extraEnv: NodeJS.ProcessEnv = {}): ServiceProcess {
    const port =
      this.basePort +
      (isBenchApp(name)
        ? ALL_SERVICE_NAMES.length + BENCH_APPS.indexOf(name)
        : ALL_SERVICE_NAMES.indexOf(name));
    // A bench app is not a ServiceName, but ServiceProcess only uses the name for its script and log.
    const service = new ServiceProcess(name as ServiceName, port, {
      root: isBenchApp(name) ? this.appRoot(name) : this.root,
      env: this.env,
      basePort: this.basePort,
      logs: { dir: join(this.runDir, 'logs') },
    });
    // Node.js flags as in production, so peak RSS is what a pod would have.
    const flags = [SERVICE_NODE_OPTIONS, this.env.NODE_OPTIONS ?? ''];
    const env: NodeJS.ProcessEnv = { ...extraEnv };
    if (this.env.BENCH_CPU_PROFILE) {
      // V8 CPU profile of the service, written when it exits; summarized by stop().
      flags.push(`--require ${join(__dirname, 'profile-hook.js')}`);
      env.BENCH_PROFILE_DIR = this.profileDir(service.name);
    }
    env.NODE_OPTIONS = flags.join(' ').trim();
    service.start(env);
    this.running.add(service);
    return service;
  }

  /**
   * ServiceProcess runs <root>/dist/services/<name>/src/main.js. A bench app gets that layout in the
   * run directory, a symlink to its build, rather than a second process runner; node resolves the
   * symlink, so the app loads its imports from dist/ like any service.
   */
  private appRoot(name: BenchApp): string {
    const root = join(this.runDir, 'apps');
    const script = join(root, 'dist/services', name, 'src/main.js');
    if (!existsSync(script)) {
      mkdirSync(dirname(script), { recursive: true });
      symlinkSync(join(this.root, 'dist/bench', name, 'main.js'), script);
    }
    return root;
  }

  profileDir(name: ServiceName): string {
    return join(this.runDir, 'profiles', name);
  }

  /** Stops a service; returns (and logs) its peak RSS in MB, read just before the stop. */
  async stop(service: ServiceProcess): Promise<number | null> {
    const peak = service.pid ? peakRssMb(service.pid) : null;
    await service.stop();
    this.running.delete(service);
    if (peak !== null) log(`${service.name}: peak RSS ${peak.toFixed(0)} MB (VmHWM before the stop)`);
    if (this.env.BENCH_CPU_PROFILE) {
      const file = newestProfile(this.profileDir(service.name));
      if (file) console.log(formatProfile(summarizeProfile(file)));
    }
    return peak;
  }

  /** Stops the services, each one's peak RSS in MB by name. */
  async stopEach(services: ServiceProcess[]): Promise<Record<string, number | null>> {
    const peaks = await Promise.all(services.map((service) => this.stop(service)));
    return Object.fromEntries(services.map((service, index) => [service.name, peaks[index]]));
  }

  async stopAll(): Promise<void> {
    await this.stopEach([...this.running]);
  }

  /**
   * CPU of the given services, of every PostgreSQL process and of the Kafka broker over a window,
   * plus `extra` groups (a load generator the benchmark runs as its own process).
   */
  cpu(services: ServiceProcess[], selfLabel: string, extra: Record<string, () => number[]> = {}): CpuWindow {
    const groups: Record<string, () => number[]> = { ...extra };
    for (const service of services) groups[`node ${service.name}`] = () => (service.pid ? [service.pid] : []);
    const database = new URL(this.databaseUrl).pathname.slice(1);
    groups[`postgres (${database} backends)`] = () =>
      postgresPids(database).backends.filter((pid) => !this.ownBackends.has(pid));
    groups['postgres (backends of the bench queries)'] = () =>
      postgresPids(database).backends.filter((pid) => this.ownBackends.has(pid));
    groups['postgres (shared: WAL writer, checkpointer, ...)'] = () => postgresPids(database).shared;
    groups[this.kafkaPid ? 'kafka broker' : 'kafka brokers (all)'] = () => this.brokerPids();
    return new CpuWindow(groups, selfLabel);
  }

  /** The scratch broker of this run, or every Kafka broker on the machine when the bench uses another. */
  brokerPids(): number[] {
    return this.kafkaPid ? [this.kafkaPid] : pidsByCmdline('kafka.Kafka');
  }

  /**
   * Waits (BENCH_QUIET_WAIT s at most, default 120) until less than BENCH_QUIET_BUSY % (default 25)
   * of all cores are busy over 3 s: on a shared machine, other people's builds and tests otherwise
   * end up in the numbers. Returns the last reading.
   */
  async waitQuiet(): Promise<number> {
    const threshold = Number(this.env.BENCH_QUIET_BUSY ?? 25);
    const maxWaitSeconds = Number(this.env.BENCH_QUIET_WAIT ?? 120);
    const deadline = performance.now() + maxWaitSeconds * 1000;
    for (;;) {
      const busy = await machineBusy(3_000);
      if (busy < threshold) {
        log(`machine ${busy.toFixed(0)}% busy before this phase`);
        return busy;
      }
      if (performance.now() >= deadline) {
        log(`WARNING: the machine is ${busy.toFixed(0)}% busy with other work; measuring anyway`);
        return busy;
      }
      log(
        `the machine is ${busy.toFixed(0)}% busy with other work; waiting (at most ${maxWaitSeconds} s per phase)`,
      );
      await sleep(5_000);
    }
  }

  /**
   * VACUUM ANALYZE of the bench database. This machine's PostgreSQL runs with autovacuum off (a
   * setting of the shared server, not ours to change); in production autovacuum clears the dead
   * rows that every published outbox row and finished inbox attempt leaves. Without it each phase
   * inherited the dead rows of all phases before it, and PostgreSQL's CPU per deal grew from phase
   * to phase (1.9 ms at the 200/s run, 9-12 ms at the 50/s run after it). Run between phases, outside
   * their measurement windows, it gives each phase what autovacuum would have left.
   */
  async vacuum(): Promise<void> {
    await this.query('VACUUM (ANALYZE)');
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = await this.pool.connect();
    let failed = false;
    try {
      // The bench's own queries (pollers, checks) run on backends of the same database: keep their
      // CPU apart from the services'. Asked on the client before its first query, not beside it: a
      // client runs one query at a time.
      if (!this.known.has(client)) {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        if (rows[0]) this.ownBackends.add(rows[0].pid);
        this.known.add(client);
      }
      const { rows } = await client.query(sql, params);
      return rows as T[];
    } catch (error) {
      // A client whose statement failed may have lost its connection: the pool drops it.
      failed = true;
      throw error;
    } finally {
      client.release(failed);
    }
  }

  async close(): Promise<void> {
    await this.stopAll();
    await this.pool.end();
  }
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set (run the benchmark through bench/run.sh)`);
  return value;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function log(message: string): void {
  console.log(`bench: ${message}`);
}

/** Percentile of an ascending-sorted array (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
