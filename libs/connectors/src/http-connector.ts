import { readFileSync, statSync } from 'node:fs';

import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';

import { connectorMetrics } from './connector.metrics';
import {
  DownstreamError,
  type Delivery,
  type DeliveryReceipt,
  type DownstreamConnector,
} from '@switchboard/downstream';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_MAX_RETRY_AFTER_MS,
  fetchDownstream,
  readCapped,
  retryAfterMs,
} from './downstream-fetch';

export interface HttpConnectorOptions {
  name: string;
  baseUrl: string;
  /** A bearer token, or the path of a mounted secret file holding it (re-read when it changes). */
  token?: string;
  tokenFile?: string;
  timeoutMs?: number;
  /** Consecutive transient failures that open the circuit, and how long it stays open. */
  breakerThreshold?: number;
  breakerHalfOpenAfterMs?: number;
  /** The largest answer read (DOWNSTREAM_MAX_RESPONSE_BYTES) and the longest Retry-After obeyed. */
  maxResponseBytes?: number;
  maxRetryAfterMs?: number;
}

/**
 * A REST downstream: POST `<baseUrl>/<operation>` with the event id as `Idempotency-Key`, a
 * timeout, and a circuit breaker (cockatiel) so a failing system is not hammered. Responses are
 * classified into the request's error table; retrying is the consumer's job, which keeps the
 * per-key order.
 */
export class HttpConnector implements DownstreamConnector {
  readonly name: string;
  private readonly breaker: CircuitBreakerPolicy;
  private credentials: { token: string; version: number; mtimeMs: number };

  constructor(private readonly options: HttpConnectorOptions) {
    this.name = options.name;
    this.breaker = circuitBreaker(
      handleWhen((error) => error instanceof DownstreamError && error.failureClass === 'transient'),
      {
        halfOpenAfter: options.breakerHalfOpenAfterMs ?? 5_000,
        breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 5),
      },
    );
    this.credentials = { token: '', version: 0, mtimeMs: 0 };
    this.reloadCredentials();
  }

  get circuitOpen(): boolean {
    return this.breaker.state === CircuitState.Open;
  }

  /** Re-reads the token (SIGHUP, or a changed secret file); a held connector then resumes. */
  reloadCredentials(): void {
    const { tokenFile } = this.options;
    const token = tokenFile ? readFileSync(tokenFile, 'utf8').trim() : (this.options.token ?? '');
    const mtimeMs = tokenFile ? statSync(tokenFile).mtimeMs : 0;
    if (token !== this.credentials.token || this.credentials.version === 0) {
      this.credentials = { token, version: this.credentials.version + 1, mtimeMs };
    }
  }

  async deliver(delivery: Delivery): Promise<DeliveryReceipt> {
    this.reloadIfSecretChanged();
    try {
      return await this.breaker.execute(() => this.post(delivery));
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        connectorMetrics.calls.inc({ connector: this.name, outcome: 'circuit_open' });
        throw new DownstreamError(
          'transient',
          this.name,
          `${this.name}: circuit open after repeated failures`,
          { circuitOpen: true },
        );
      }
      throw error;
    }
  }

  private async post(delivery: Delivery): Promise<DeliveryReceipt> {
    const version = this.credentials.version;
    const response = await fetchDownstream(
      this.name,
      `${this.options.baseUrl}/${delivery.operation}`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': delivery.idempotencyKey,
          ...(this.credentials.token ? { authorization: `Bearer ${this.credentials.token}` } : {}),
        },
        body: JSON.stringify(delivery.body),
        timeoutMs: this.options.timeoutMs ?? 5_000,
      },
      `POST /${delivery.operation}`,
    );
    const { status } = response;
    const text = await readCapped(
      response,
      this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      this.name,
      `POST /${delivery.operation}`,
    );
    connectorMetrics.calls.inc({ connector: this.name, outcome: outcomeOf(status) });
    if (status === 401 || status === 403) {
      connectorMetrics.authenticationFailed.set({ connector: this.name }, 1);
      throw new DownstreamError(
        'authentication',
        this.name,
        `${this.name}: credentials refused (${status})`,
        {
          status,
          credentialsChanged: () => {
            this.reloadIfSecretChanged();
            return this.credentials.version !== version;
          },
        },
      );
    }
    connectorMetrics.authenticationFailed.set({ connector: this.name }, 0);
    if (status === 429) {
      throw new DownstreamError('rate_limited', this.name, `${this.name}: rate limited`, {
        status,
        retryAfterMs: retryAfterMs(
          response.headers.get('retry-after'),
          this.options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS,
        ),
      });
    }
    if (status >= 500 || status === 408) {
      throw new DownstreamError('transient', this.name, `${this.name}: ${status} ${snippet(text)}`, {
        status,
      });
    }
    if (status >= 400) {
      throw new DownstreamError(
        'validation',
        this.name,
        `${this.name} refused the record: ${status} ${snippet(text)}`,
        {
          status,
        },
      );
    }
    return { externalId: parseId(text) };
  }

  private reloadIfSecretChanged(): void {
    const { tokenFile } = this.options;
    if (!tokenFile) return;
    try {
      if (statSync(tokenFile).mtimeMs !== this.credentials.mtimeMs) this.reloadCredentials();
    } catch {
      // A secret file being rotated may be briefly absent; keep the current token.
    }
  }
}

function outcomeOf(status: number): string {
  if (status === 401 || status === 403 || status === 429) return String(status);
  return `${Math.floor(status / 100)}xx`;
}

function snippet(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

function parseId(text: string): string | null {
  try {
    const body = JSON.parse(text) as { id?: unknown };
    return typeof body.id === 'string' || typeof body.id === 'number' ? String(body.id) : null;
  } catch {
    return null;
  }
}
