import { readFileSync } from 'node:fs';

import { connectorMetrics } from '../connector.metrics';
import { DownstreamError } from '@switchboard/downstream';
import { DEFAULT_MAX_RESPONSE_BYTES, fetchDownstream, readCapped } from '../downstream-fetch';

export interface TrytonClientOptions {
  /** The connector name used in errors and metrics, e.g. `tryton-erp`. */
  name: string;
  /** e.g. `http://127.0.0.1:8123` */
  url: string;
  database: string;
  username: string;
  /** The password, or the path of a mounted secret file holding it (re-read on every login). */
  password?: string;
  passwordFile?: string;
  timeoutMs?: number;
  /** The largest answer read (DOWNSTREAM_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
}

/** Tryton's typed JSON values: `Decimal` and `date` travel as tagged objects, never as floats. */
export class TrytonDecimal {
  constructor(readonly value: string) {}
  toJSON(): { __class__: 'Decimal'; decimal: string } {
    return { __class__: 'Decimal', decimal: this.value };
  }
}

export class TrytonDate {
  constructor(readonly iso: string) {}
  toJSON(): { __class__: 'date'; year: number; month: number; day: number } {
    const [year, month, day] = this.iso.split('-').map(Number);
    return { __class__: 'date', year, month, day };
  }
}

export const decimal = (value: string): TrytonDecimal => new TrytonDecimal(value);
export const date = (iso: string): TrytonDate => new TrytonDate(iso);

/** Decodes tagged values in a response: Decimal -> its exact string, date -> `YYYY-MM-DD`. */
function revive(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && '__class__' in value) {
    const tagged = value as Record<string, unknown>;
    if (tagged.__class__ === 'Decimal') return String(tagged.decimal);
    if (tagged.__class__ === 'date') {
      const pad = (n: unknown, width: number): string => String(n).padStart(width, '0');
      return `${pad(tagged.year, 4)}-${pad(tagged.month, 2)}-${pad(tagged.day, 2)}`;
    }
  }
  return value;
}

type Context = Record<string, unknown>;

/**
 * A Tryton JSON-RPC client: logs in with `common.db.login`, sends the session on every call,
 * renews a lost session (HTTP 401) once, and maps Tryton's answers onto the error classes:
 * `UserError`/`UserWarning`/`AccessError` (HTTP 200 bodies) -> validation; concurrency, locked
 * database, 5xx, timeouts -> transient; 429 -> rate_limited; a refused login -> authentication.
 */
export class TrytonClient {
  private session: { header: string; context: Context } | null = null;
  private login: Promise<{ header: string; context: Context }> | null = null;
  private failedPassword: string | null = null;

  constructor(readonly options: TrytonClientOptions) {}

  /** `model.<model>.<method>` with the user context appended, as every model call takes it last. */
  async model<T = unknown>(model: string, method: string, ...args: unknown[]): Promise<T> {
    return this.call<T>(`model.${model}.${method}`, args, true);
  }

  async call<T = unknown>(method: string, params: unknown[], withContext = false): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      const session = await this.ensureSession();
      const body = withContext ? [...params, session.context] : params;
      const outcome = await this.post(method, body, session.header);
      if (outcome.status === 401 || outcome.status === 403) {
        // The session expired or the server restarted: log in again once, then give up.
        this.session = null;
        if (attempt === 0) continue;
        throw this.authenticationError(`session refused (${outcome.status})`);
      }
      return this.unwrap<T>(method, outcome);
    }
  }

  private currentPassword(): string {
    const { passwordFile, password } = this.options;
    return passwordFile ? readFileSync(passwordFile, 'utf8').trim() : (password ?? '');
  }

  private async ensureSession(): Promise<{ header: string; context: Context }> {
    if (this.session) return this.session;
    this.login ??= this.doLogin().finally(() => {
      this.login = null;
    });
    return this.login;
  }

  private async doLogin(): Promise<{ header: string; context: Context }> {
    const password = this.currentPassword();
    const { username } = this.options;
    // Tryton throttles an account after a few failed logins (HTTP 429 for several minutes): never
    // try again with the password it already refused; a rotated secret is tried at once.
    if (this.failedPassword !== null && password === this.failedPassword) {
      throw this.authenticationError('login refused (credentials unchanged since the last refusal)');
    }
    const outcome = await this.post('common.db.login', [username, { password }, 'en'], null);
    if (outcome.status === 429) {
      throw new DownstreamError(
        'rate_limited',
        this.options.name,
        `${this.options.name}: login throttled by Tryton`,
        {
          status: 429,
          retryAfterMs: 30_000,
        },
      );
    }
    if (outcome.status === 401 || outcome.status === 403 || isLoginError(outcome.body)) {
      this.failedPassword = password;
      throw this.authenticationError('login refused');
    }
    const [uid, key] = this.unwrap<[number, string]>('common.db.login', outcome);
    this.failedPassword = null;
    const header = `Session ${Buffer.from(`${username}:${uid}:${key}`).toString('base64')}`;
    const prefs = await this.post('model.res.user.get_preferences', [true, {}], header);
    const context = this.unwrap<Context>('get_preferences', prefs);
    this.session = { header, context };
    connectorMetrics.authenticationFailed.set({ connector: this.options.name }, 0);
    return this.session;
  }

  private authenticationError(reason: string): DownstreamError {
    connectorMetrics.authenticationFailed.set({ connector: this.options.name }, 1);
    const failed = this.failedPassword;
    return new DownstreamError('authentication', this.options.name, `${this.options.name}: ${reason}`, {
      status: 401,
      credentialsChanged: () => {
        try {
          return this.currentPassword() !== failed;
        } catch {
          return false;
        }
      },
    });
  }

  private async post(
    method: string,
    params: unknown[],
    authorization: string | null,
  ): Promise<{ status: number; body: unknown; text: string }> {
    const { name, url, database } = this.options;
    const response = await fetchDownstream(
      name,
      `${url}/${encodeURIComponent(database)}/`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({ id: 1, method, params }),
        timeoutMs: this.options.timeoutMs ?? 30_000,
      },
      method,
    );
    const text = await readCapped(
      response,
      this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      name,
      method,
    );
    const { status } = response;
    connectorMetrics.calls.inc({
      connector: name,
      outcome: [401, 403, 429].includes(status) ? String(status) : `${Math.floor(status / 100)}xx`,
    });
    let body: unknown;
    try {
      body = JSON.parse(text, revive);
    } catch {
      body = null;
    }
    return { status, body, text };
  }

  private unwrap<T>(method: string, outcome: { status: number; body: unknown; text: string }): T {
    const { name } = this.options;
    const { status, body, text } = outcome;
    if (status === 429) {
      throw new DownstreamError('rate_limited', name, `${name}: ${method} rate limited`, {
        status,
        retryAfterMs: 1_000,
      });
    }
    if (status >= 500 || status === 408 || status === 503) {
      throw new DownstreamError('transient', name, `${name}: ${method} ${status}`, { status });
    }
    if (status >= 400 || !body || typeof body !== 'object') {
      throw new DownstreamError('validation', name, `${name}: ${method} ${status} ${text.slice(0, 200)}`, {
        status,
      });
    }
    const envelope = body as { result?: unknown; error?: unknown };
    if (envelope.error !== undefined && envelope.error !== null) {
      throw classifyError(name, method, envelope.error);
    }
    return envelope.result as T;
  }
}

function isLoginError(body: unknown): boolean {
  const error = (body as { error?: unknown } | null)?.error;
  return Array.isArray(error) && error[0] === 'LoginException';
}

/** Tryton answers errors with HTTP 200 and `{"error": [type, args]}`. */
export function classifyError(name: string, method: string, error: unknown): DownstreamError {
  const [kind, args] = Array.isArray(error) ? (error as [unknown, unknown]) : [error, null];
  const messages = Array.isArray(args) ? args.filter((arg) => typeof arg === 'string') : [];
  const text = messages.length > 0 ? messages.slice(0, 2).join(': ') : String(kind).slice(0, 300);
  const reason = `${name}: ${method}: ${String(kind)}: ${text}`;
  switch (kind) {
    case 'UserError':
    case 'UserWarning':
    case 'AccessError':
      return new DownstreamError('validation', name, reason);
    case 'LoginException':
      return new DownstreamError('authentication', name, reason, { status: 401 });
    case 'RateLimitException':
      return new DownstreamError('rate_limited', name, reason, { retryAfterMs: 1_000 });
    default:
      // ConcurrencyException, "database is locked" and other server-side failures: retry; the
      // consumer's retry budget bounds it and dead-letters what never succeeds.
      return new DownstreamError('transient', name, reason);
  }
}
