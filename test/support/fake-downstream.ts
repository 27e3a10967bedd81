import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  operation: string;
  idempotencyKey: string;
  at: number;
  status: number;
  body: unknown;
}

type Behaviour =
  | { kind: 'ok' }
  | { kind: 'hang'; untilMs: number; onlyFor?: string }
  | { kind: 'status'; status: number; retryAfter?: string; untilMs: number };

/**
 * A real HTTP server standing in for a downstream system (ERP, finance, ...): it can be told to
 * hang (time out), answer 5xx/429/401/422, and it honours Idempotency-Key like a well-behaved API,
 * so "exactly once" can be checked on its side.
 */
export class FakeDownstream {
  readonly requests: ReceivedRequest[] = [];
  /** operation -> idempotency key -> the effect created for it (created once). */
  readonly effects = new Map<string, Map<string, { body: unknown; at: number }>>();
  private behaviour: Behaviour = { kind: 'ok' };
  private readonly refusedKeys = new Set<string>();
  /** Idempotency key -> the status every request of it gets, until when. */
  private readonly failingKeys = new Map<string, { status: number; untilMs: number }>();
  private expectedToken: string | null = null;
  private server: Server | null = null;

  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Never answers for `ms`: every request, or only those with the idempotency key `onlyFor`. */
  hangFor(ms: number, onlyFor?: string): void {
    this.behaviour = { kind: 'hang', untilMs: Date.now() + ms, onlyFor };
  }

  answer(status: number, forMs: number, retryAfter?: string): void {
    this.behaviour = { kind: 'status', status, retryAfter, untilMs: Date.now() + forMs };
  }

  /** Requests with the idempotency key `key` get `status` for `forMs`; the others are served. */
  answerFor(key: string, status: number, forMs: number): void {
    this.failingKeys.set(key, { status, untilMs: Date.now() + forMs });
  }

  healthy(): void {
    this.behaviour = { kind: 'ok' };
  }

  /** Records whose body mentions one of these strings get 422 until `acceptAll()`. */
  refuse(markers: string[]): void {
    for (const marker of markers) this.refusedKeys.add(marker);
  }

  acceptAll(): void {
    this.refusedKeys.clear();
  }

  requireToken(token: string | null): void {
    this.expectedToken = token;
  }

  effectsOf(operation: string): Map<string, { body: unknown; at: number }> {
    return this.effects.get(operation) ?? new Map<string, { body: unknown; at: number }>();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const operation = (request.url ?? '/').slice(1);
    const idempotencyKey = String(request.headers['idempotency-key'] ?? '');
    const body = text ? (JSON.parse(text) as unknown) : null;
    const record = (status: number) =>
      this.requests.push({ operation, idempotencyKey, at: Date.now(), status, body });
    const now = Date.now();
    const behaviour = this.behaviour;
    if (
      behaviour.kind === 'hang' &&
      now < behaviour.untilMs &&
      (behaviour.onlyFor === undefined || behaviour.onlyFor === idempotencyKey)
    ) {
      record(0);
      return; // never answers: the client's timeout fires
    }
    const failing = this.failingKeys.get(idempotencyKey);
    if (failing && now < failing.untilMs) {
      record(failing.status);
      response.writeHead(failing.status).end(JSON.stringify({ error: 'injected' }));
      return;
    }
    if (behaviour.kind === 'status' && now < behaviour.untilMs) {
      record(behaviour.status);
      if (behaviour.retryAfter) response.setHeader('retry-after', behaviour.retryAfter);
      response.writeHead(behaviour.status).end(JSON.stringify({ error: 'injected' }));
      return;
    }
    if (this.expectedToken !== null && request.headers.authorization !== `Bearer ${this.expectedToken}`) {
      record(401);
      response.writeHead(401).end(JSON.stringify({ error: 'bad credentials' }));
      return;
    }
    if ([...this.refusedKeys].some((marker) => text.includes(marker))) {
      record(422);
      response.writeHead(422).end(JSON.stringify({ error: 'customer blocked in the ERP' }));
      return;
    }
    record(201);
    const effects = this.effects.get(operation) ?? new Map<string, { body: unknown; at: number }>();
    this.effects.set(operation, effects);
    if (!effects.has(idempotencyKey)) effects.set(idempotencyKey, { body, at: now });
    response
      .writeHead(201, { 'content-type': 'application/json' })
      .end(JSON.stringify({ id: idempotencyKey }));
  }
}
