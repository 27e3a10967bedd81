import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { DownstreamError } from '@switchboard/downstream';
import { retryAfterMs } from './downstream-fetch';
import { HttpConnector } from './http-connector';

/** A real HTTP server on a free port, answering as `handler` says. */
async function server(
  handler: (res: import('node:http').ServerResponse) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const http: Server = createServer((_req, res) => handler(res));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

const delivery = {
  operation: 'sales-orders',
  idempotencyKey: 'evt-1',
  body: { dealId: 'D-1' },
} as unknown as Parameters<HttpConnector['deliver']>[0];

async function failureOf(run: () => Promise<unknown>): Promise<DownstreamError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof DownstreamError) return error;
    throw error;
  }
  throw new Error('expected a DownstreamError');
}

describe('downstream answers are bounded', () => {
  it('Retry-After is capped: a downstream asking for a day parks the consumer at most the configured maximum', async () => {
    const downstream = await server((res) => {
      res.writeHead(429, { 'retry-after': '86400' });
      res.end();
    });
    try {
      const connector = new HttpConnector({ name: 'erp', baseUrl: downstream.url, maxRetryAfterMs: 30_000 });
      const error = await failureOf(() => connector.deliver(delivery));
      expect(error.failureClass).toBe('rate_limited');
      expect(error.details.retryAfterMs).toBe(30_000);
    } finally {
      await downstream.close();
    }
    expect(retryAfterMs(new Date(Date.now() + 7 * 86_400_000).toUTCString())).toBe(300_000);
    expect(retryAfterMs('2')).toBe(2_000);
    expect(retryAfterMs(null)).toBe(1_000);
  });

  it('an answer larger than the limit is refused unread (declared length, or a body that never ends)', async () => {
    const declared = await server((res) => {
      res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
      res.write('x'.repeat(1024));
    });
    const endless = await server((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = 'x'.repeat(64 * 1024);
      const pump = () => {
        while (res.write(chunk));
        res.once('drain', pump);
      };
      pump();
    });
    try {
      for (const downstream of [declared, endless]) {
        const connector = new HttpConnector({
          name: 'erp',
          baseUrl: downstream.url,
          maxResponseBytes: 256 * 1024,
        });
        const error = await failureOf(() => connector.deliver(delivery));
        expect(error.failureClass).toBe('transient');
        expect(error.message).toContain('answered more than 262144 bytes');
      }
    } finally {
      await Promise.all([declared.close(), endless.close()]);
    }
  });

  it('an answer within the limit is read as before', async () => {
    const downstream = await server((res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'SO-1' }));
    });
    try {
      const connector = new HttpConnector({ name: 'erp', baseUrl: downstream.url });
      await expect(connector.deliver(delivery)).resolves.toEqual({ externalId: 'SO-1' });
    } finally {
      await downstream.close();
    }
  });
});
