import { Client } from 'pg';

export interface LeaderLockOptions {
  databaseUrl: string;
  /** The advisory lock's name: every process that tries the same name competes for one leadership. */
  lockKey: string;
  /** Shown in pg_stat_activity, so an operator sees which session holds the lock. */
  applicationName: string;
  /**
   * Longest a query of the lock's own connection may take before the connection is taken for dead
   * and dropped (the lock with it); also the server's TCP user timeout for that session.
   */
  queryTimeoutMs?: number;
  /** The session's client class: pg's own, or one that prepares its statements. */
  clientClass?: typeof Client;
  /** Runs once on each new session, before the lock is tried (the relay LISTENs there). */
  onSession?: (client: Client) => Promise<void>;
  /** The session failed: the lock is gone (PostgreSQL frees it with the session). */
  onLost?: (error: Error) => void;
}

/**
 * Leader election on a PostgreSQL session-level advisory lock: exactly one process holding a
 * session on `lockKey` leads. A leader that dies (kill -9, a lost node) loses its session, and with
 * it the lock, so a standby's next `acquire()` wins. The outbox relay elects its one active replica
 * this way, and the pollers their one polling replica.
 *
 * The session is also the leader's fence: whatever a leader must only write while it leads (the
 * pollers' checkpoints) goes through `client`, which fails once the session, and so the lock, is gone.
 */
export class LeaderLock {
  private session: Client | null = null;
  private held = false;

  constructor(private readonly options: LeaderLockOptions) {}

  /** The session holding (or trying for) the lock, or null when there is none. */
  get client(): Client | null {
    return this.session;
  }

  get isLeader(): boolean {
    return this.held && this.session !== null;
  }

  get connected(): boolean {
    return this.session !== null;
  }

  /** Opens a session if there is none and tries the lock; true when this process leads. */
  async acquire(): Promise<boolean> {
    if (this.isLeader) return true;
    const session = this.session ?? (await this.open());
    const { rows } = await session.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
      [this.options.lockKey],
    );
    this.held = rows[0]?.locked === true && this.session === session;
    return this.held;
  }

  /** Ends the session (the lock with it); a half-open socket is abandoned after a second, not awaited. */
  async release(): Promise<void> {
    const session = this.session;
    this.session = null;
    this.held = false;
    if (!session) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      session.end().catch(() => undefined),
      new Promise((resolve) => {
        timer = setTimeout(resolve, 1_000);
      }),
    ]);
    clearTimeout(timer);
  }

  private async open(): Promise<Client> {
    const queryTimeoutMs = this.options.queryTimeoutMs ?? 10_000;
    // The lock lives as long as this session. A connection that dies silently (a half-open socket:
    // no FIN, no RST) must cost seconds, not the OS's hours: every query has a client-side deadline,
    // TCP keepalive runs on both ends, and the server drops a session whose client stopped
    // answering, which frees the lock for a standby.
    const session = new (this.options.clientClass ?? Client)({
      connectionString: this.options.databaseUrl,
      application_name: this.options.applicationName,
      keepAlive: true,
      keepAliveInitialDelayMillis: 2_000,
      query_timeout: queryTimeoutMs,
      options: [
        '-c tcp_keepalives_idle=5',
        '-c tcp_keepalives_interval=2',
        '-c tcp_keepalives_count=3',
        `-c tcp_user_timeout=${queryTimeoutMs}`,
      ].join(' '),
    });
    session.on('error', (error) => {
      if (this.session !== session) return;
      void this.release();
      this.options.onLost?.(error);
    });
    try {
      await session.connect();
      await this.options.onSession?.(session);
    } catch (error) {
      await session.end().catch(() => undefined);
      throw error;
    }
    this.session = session;
    return session;
  }
}
