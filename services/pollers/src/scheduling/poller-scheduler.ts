import { SpanStatusCode } from '@opentelemetry/api';
import type { ClientBase } from 'pg';

import { tracer } from '@switchboard/telemetry';

import { errorCodeOf, PollerErrorCode } from '../pollers.errors';
import type { PassResult, PollerJob, PollerName } from '../jobs/poller-job';

/** The leader election the scheduler runs on (LeaderLock of @switchboard/outbox). */
export interface Leadership {
  acquire(): Promise<boolean>;
  release(): Promise<void>;
  readonly isLeader: boolean;
  readonly connected: boolean;
  /** The leader's session: checkpoints go through it, so only the lock holder can write them. */
  readonly client: ClientBase | null;
}

export interface Checkpoints {
  read(session: ClientBase, poller: PollerName): Promise<{ position: string } | null>;
  write(session: ClientBase, poller: PollerName, position: string): Promise<void>;
}

export interface SchedulerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface SchedulerHooks {
  onLeader?(leading: boolean): void;
  onPass?(poller: PollerName, result: PassResult): void;
  onFailure?(poller: PollerName, code: PollerErrorCode): void;
}

export interface PollerSchedulerOptions {
  leadership: Leadership;
  jobs: PollerJob[];
  checkpoints: Checkpoints;
  /** How often a standby tries for the leadership. */
  standbyRetryMs: number;
  logger: SchedulerLogger;
  hooks?: SchedulerHooks;
  /** Longest stop() waits for the pass in progress before it gives up the leadership anyway. */
  stopTimeoutMs?: number;
}

export type PollerRole = 'leader' | 'standby' | 'stopped';

export interface PollerStatus {
  healthy: boolean;
  role: PollerRole;
  jobs: Record<string, { lastOutcome: 'ok' | 'failed' | 'none' }>;
}

/**
 * Runs the poller jobs on the one replica that holds the leadership, each every `intervalMs` after
 * its previous pass ended (a slow pass never overlaps the next, nor piles passes up). A standby
 * tries for the leadership every `standbyRetryMs`; a new leader polls at once.
 *
 * A pass: read the job's checkpoint on the leader's session (which also proves the session, and so
 * the lock, is still there), post what changed since, and write the new checkpoint on the same
 * session. A failed pass leaves the checkpoint where it was; one that failed on the session gives
 * the leadership up (a replica that cannot write checkpoints must not poll).
 */
export class PollerScheduler {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private leading = false;
  private readonly nextRun = new Map<PollerName, number>();
  private readonly lastOutcome = new Map<PollerName, 'ok' | 'failed'>();

  constructor(private readonly options: PollerSchedulerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Lets the pass in progress stop before its next post, then ends the session (the lock with it). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.loop,
      new Promise((resolve) => {
        timer = setTimeout(resolve, this.options.stopTimeoutMs ?? 10_000);
      }),
    ]);
    clearTimeout(timer);
    await this.options.leadership.release();
    this.setLeading(false);
  }

  status(): PollerStatus {
    const role: PollerRole = !this.running ? 'stopped' : this.leading ? 'leader' : 'standby';
    return {
      // A standby is ready too: it can take over. Without a database session it can do neither.
      healthy: this.running && this.options.leadership.connected,
      role,
      jobs: Object.fromEntries(
        this.options.jobs.map((job) => [job.name, { lastOutcome: this.lastOutcome.get(job.name) ?? 'none' }]),
      ),
    };
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const leading = await this.options.leadership.acquire();
        if (leading && !this.leading) {
          this.options.logger.info('pollers: this replica leads and polls', {
            jobs: this.options.jobs.map((job) => job.name),
          });
          for (const job of this.options.jobs) this.nextRun.set(job.name, 0);
        }
        this.setLeading(leading);
        failures = 0;
        if (!leading) {
          await this.sleep(this.options.standbyRetryMs);
          continue;
        }
        for (const job of this.options.jobs) {
          if (!this.running || !this.options.leadership.isLeader) break;
          if ((this.nextRun.get(job.name) ?? 0) > Date.now()) continue;
          await this.runPass(job);
          this.nextRun.set(job.name, Date.now() + job.intervalMs);
        }
        await this.sleep(this.untilNextRun());
      } catch (error) {
        // The session could not be opened or the lock not tried: a standby until it can.
        failures += 1;
        this.setLeading(false);
        await this.options.leadership.release();
        this.options.logger.warn('pollers: leader election failed', { error: String(error), failures });
        await this.sleep(Math.min(30_000, this.options.standbyRetryMs * 2 ** Math.min(failures - 1, 4)));
      }
    }
  }

  private async runPass(job: PollerJob): Promise<void> {
    await tracer.startActiveSpan(`poll ${job.name}`, async (span) => {
      const { leadership, checkpoints } = this.options;
      try {
        const session = leadership.client;
        if (!session || !leadership.isLeader) return;
        const stored = await checkpoints.read(session, job.name);
        const result = await job.pass({
          checkpoint: stored?.position ?? null,
          stillLeading: () => this.running && leadership.isLeader,
        });
        await checkpoints.write(session, job.name, result.checkpoint);
        this.lastOutcome.set(job.name, 'ok');
        span.setAttributes({ 'poller.posted': result.posted, 'poller.duplicates': result.duplicates });
        this.options.hooks?.onPass?.(job.name, result);
        if (result.posted + result.duplicates > 0) {
          this.options.logger.info('pollers: pass posted', {
            poller: job.name,
            posted: result.posted,
            duplicates: result.duplicates,
            checkpoint: result.checkpoint,
          });
        }
      } catch (error) {
        const code = errorCodeOf(error);
        this.lastOutcome.set(job.name, 'failed');
        span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
        this.options.hooks?.onFailure?.(job.name, code);
        this.options.logger.error('pollers: pass failed; its checkpoint stays, the next pass reads again', {
          poller: job.name,
          code,
          error: error instanceof Error ? error.message : String(error),
        });
        if (code === PollerErrorCode.CheckpointFailed || code === PollerErrorCode.LeadershipLost) {
          this.setLeading(false);
          await leadership.release();
        }
      } finally {
        span.end();
      }
    });
  }

  private untilNextRun(): number {
    const next = Math.min(...this.options.jobs.map((job) => this.nextRun.get(job.name) ?? 0));
    // Also wakes to notice a lost session between passes; no jobs: idle, checking the session.
    return Math.max(0, Math.min(this.options.standbyRetryMs, next - Date.now()));
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.options.hooks?.onLeader?.(leading);
    if (!leading) this.options.logger.info('pollers: this replica is a standby');
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
