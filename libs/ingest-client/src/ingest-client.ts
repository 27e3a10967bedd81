import { createHmac } from 'node:crypto';

import { Agent, request, type Dispatcher } from 'undici';

/** Sends of one event when the connection fails before an answer (not on an HTTP error). */
const NETWORK_ATTEMPTS = 3;

/**
 * Keep-alive connections shared by every client of this process. undici's `request`, not `fetch`:
 * fetch builds WHATWG Request, Headers and stream objects around every call, about 230 us of CPU
 * per POST on this project's bench machine against 50 us (BENCHMARKS.md). An idle socket does not
 * keep the process alive.
 */
const connections = new Agent({ keepAliveTimeout: 4_000 });

export interface PostResult {
  status: number;
  body: unknown;
  /** The trace of the request, from ingest's `traceresponse` header (W3C Trace Context level 2). */
  traceId?: string;
}

/**
 * Signs and posts events the way a source system must (see docs/integrating.md): the pollers that
 * bring Tryton's and Request Tracker's changes in use it, and so do the tests.
 */
export class IngestClient {
  constructor(
    private readonly baseUrl: string,
    private readonly secrets: Record<string, string>,
  ) {}

  static fromEnv(baseUrl: string, env: NodeJS.ProcessEnv = process.env): IngestClient {
    // Split at the first `=` only: a secret may contain `=` (base64 padding). A source listed twice
    // (a rotation) signs with the later, newer secret.
    const secrets = Object.fromEntries(
      (env.INGEST_SOURCE_SECRETS ?? '')
        .split(',')
        .filter(Boolean)
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    );
    return new IngestClient(baseUrl, secrets);
  }

  post(
    source: string,
    event: { id: string; type: string; time?: string; data: unknown },
    options: { timestamp?: number; secret?: string; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<PostResult> {
    const body = options.rawBody ?? JSON.stringify(event);
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const secret = options.secret ?? this.secrets[source] ?? '';
    const signature = `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
    return this.send(body, {
      'content-type': 'application/json',
      'x-switchboard-source': source,
      'x-switchboard-timestamp': timestamp,
      'x-switchboard-signature': signature,
      ...options.headers,
    });
  }

  private async send(body: string, headers: Record<string, string>): Promise<PostResult> {
    const response = await this.requestWithRetry(body, headers);
    const text = await response.body.text();
    const traceparent = response.headers.traceresponse;
    const traceId = /^00-([0-9a-f]{32})-/.exec(typeof traceparent === 'string' ? traceparent : '')?.[1];
    return { status: response.statusCode, body: text ? (JSON.parse(text) as unknown) : null, traceId };
  }

  /**
   * A POST that never reached an answer (a keep-alive socket the server closed as the request left,
   * a connection reset) is sent again: ingest keeps one record per event id, so a repeat is
   * answered as a duplicate, never applied twice. An HTTP answer, whatever its status, is final.
   */
  private async requestWithRetry(
    body: string,
    headers: Record<string, string>,
  ): Promise<Dispatcher.ResponseData> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await request(`${this.baseUrl}/v1/events`, {
          method: 'POST',
          body,
          headers,
          dispatcher: connections,
        });
      } catch (error) {
        if (attempt >= NETWORK_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }
}
