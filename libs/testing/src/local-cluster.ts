import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

/** The services of the deal_won fan-out: what every e2e test starts. */
export const SERVICE_NAMES = [
  'ingest',
  'erp-orders',
  'finance-invoicing',
  'support-onboarding',
  'marketing-segments',
] as const;
export type FanoutServiceName = (typeof SERVICE_NAMES)[number];
/** Every deployable service: the fan-out, master-data sync, the browser console, the CRM's sync and the address book. */
export const ALL_SERVICE_NAMES = [
  ...SERVICE_NAMES,
  'customer-sync',
  'console',
  'crm-sync',
  'address-book',
] as const;
export type ServiceName = (typeof ALL_SERVICE_NAMES)[number];
/** What a ServiceProcess runs: a cluster's service, or the pollers, started apart (real systems only). */
export type ProcessName = ServiceName | 'pollers';

export interface ClusterOptions {
  /** Repository root: the services run from its dist/ build. */
  root: string;
  env: NodeJS.ProcessEnv;
  /** ingest listens on basePort, the others on the next ports in ALL_SERVICE_NAMES order. */
  basePort: number;
  /** Also run customer-sync (it needs its API tokens in env); `npm start` does, e2e tests need not. */
  withCustomerSync?: boolean;
  /** Also run the console (with customer-sync, whose API it reads); `npm start` does. */
  withConsole?: boolean;
  /** Also run crm-sync (customer_synced into the CRM); `npm start` and the CRM suite do. */
  withCrmSync?: boolean;
  /** Also run address-book (the contacts system customer-sync sends to); `npm start` does. */
  withAddressBook?: boolean;
  /** Settings of one service over `env` (a suite whose consumers call a fake REST downstream runs crm-sync built-in). */
  serviceEnv?: Partial<Record<ServiceName, NodeJS.ProcessEnv>>;
  /** Where each process writes its JSON log; `inherit` streams them to this terminal instead. */
  logs: { dir: string } | 'inherit';
  /** Runs once provisioning is done (tests position their fresh consumer groups here). */
  afterProvision?: () => Promise<void>;
}

/** One service as its own operating-system process, started the way its container starts it. */
export class ServiceProcess<Name extends ProcessName = ServiceName> {
  private child: ChildProcess | null = null;
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | null = null;
  private log: WriteStream | null = null;

  constructor(
    readonly name: Name,
    readonly port: number,
    private readonly options: ClusterOptions,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(extraEnv: NodeJS.ProcessEnv = {}): void {
    if (this.child) throw new Error(`${this.name} is already running`);
    const { root, env, logs } = this.options;
    const child = spawn(process.execPath, [join(root, 'dist/services', this.name, 'src/main.js')], {
      cwd: root,
      env: { ...env, ...extraEnv, PORT: String(this.port) },
      stdio: logs === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    if (logs !== 'inherit') {
      mkdirSync(logs.dir, { recursive: true });
      this.log = createWriteStream(join(logs.dir, `${this.name}.log`), { flags: 'a' });
      child.stdout?.pipe(this.log, { end: false });
      child.stderr?.pipe(this.log, { end: false });
    }
    this.child = child;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.child = null;
        resolve({ code, signal });
      }),
    );
  }

  /**
   * Resolves once readiness (database and Kafka) is green; fails if the process dies first. The
   * default wait is long because it ends as soon as the service is ready: on a shared 2-core machine
   * under load, starting a service (Nest, OpenTelemetry, the Kafka client) has taken over a minute.
   */
  async waitReady(timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.child) throw new Error(`${this.name} exited before it was ready (see its log)`);
      try {
        const response = await fetch(`${this.url}/health/ready`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms`);
  }

  /** The exit of the current process (code or signal). */
  async waitExit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.exited) throw new Error(`${this.name} was never started`);
    return this.exited;
  }

  /** Graceful stop (SIGTERM), as Kubernetes does it; SIGKILL after the grace period. */
  async stop(graceMs = 20_000): Promise<void> {
    const child = this.child;
    if (!child || !this.exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    this.log?.end();
  }

  async kill(): Promise<void> {
    if (!this.child || !this.exited) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** The services of the deal_won fan-out (and optionally customer-sync), each its own process. */
export class LocalCluster {
  readonly services: Record<FanoutServiceName, ServiceProcess> & {
    'customer-sync'?: ServiceProcess;
    console?: ServiceProcess;
    'crm-sync'?: ServiceProcess;
    'address-book'?: ServiceProcess;
  };

  constructor(private readonly options: ClusterOptions) {
    const names = [
      ...SERVICE_NAMES,
      ...(options.withCustomerSync || options.withConsole ? (['customer-sync'] as const) : []),
      ...(options.withConsole ? (['console'] as const) : []),
      ...(options.withCrmSync ? (['crm-sync'] as const) : []),
      ...(options.withAddressBook ? (['address-book'] as const) : []),
    ];
    this.services = Object.fromEntries(
      names.map((name) => [
        name,
        new ServiceProcess(name, options.basePort + ALL_SERVICE_NAMES.indexOf(name), options),
      ]),
    ) as LocalCluster['services'];
  }

  url(name: FanoutServiceName): string {
    return this.services[name].url;
  }

  /** Migrations and topics of every service (the release step; idempotent). */
  async provision(): Promise<void> {
    const { root, env } = this.options;
    const child = spawn(process.execPath, [join(root, 'dist/scripts/provision-all.js')], {
      cwd: root,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`provisioning failed (exit ${code})`);
    await this.options.afterProvision?.();
  }

  async start(): Promise<void> {
    for (const service of Object.values(this.services))
      service.start(this.options.serviceEnv?.[service.name]);
    await Promise.all(Object.values(this.services).map((service) => service.waitReady()));
  }

  async stop(): Promise<void> {
    await Promise.all(Object.values(this.services).map((service) => service.stop()));
  }
}
