// Against the real services: the consumers' read APIs need a
// token with the viewer role (one guard in libs/platform), per endpoint 401 and 403; health and
// metrics stay open; answers are `Cache-Control: no-store`; a token past its rate limit gets 429
// with Retry-After while other tokens keep reading; x-powered-by is gone and helmet's headers are set.
import type { FanoutServiceName, LocalCluster } from '@switchboard/testing';

import { testCluster } from '../support/cluster';

jest.setTimeout(180_000);

const VIEWER = 'viewer-token-sec17-0123456789abcdef';
const EXPORTER = 'exporter-token-sec17-0123456789abcd'; // a valid token without the viewer role
const BURST = 'burst-token-sec17-0123456789abcdefgh';
const LIMIT = 15;

const ENDPOINTS: Array<[FanoutServiceName, string]> = [
  ['erp-orders', '/v1/sales-orders/by-deal/D-none'],
  ['finance-invoicing', '/v1/invoices/by-deal/D-none'],
  ['support-onboarding', '/v1/onboarding-tickets/by-deal/D-none'],
  ['marketing-segments', '/v1/segment-memberships/by-deal/D-none'],
  ['marketing-segments', '/v1/segment-memberships/by-contact/C-none'],
];

describe("the consumers' read APIs answer only a viewer token", () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = testCluster('security-read-api', {
      API_TOKENS: `vic:viewer:${VIEWER},eve:exporter:${EXPORTER},bob:viewer:${BURST}`,
      RATE_LIMIT_MAX_REQUESTS: String(LIMIT),
      RATE_LIMIT_WINDOW_SECONDS: '60',
    });
    await cluster.provision();
    await cluster.start();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  const get = (service: FanoutServiceName, path: string, token?: string) =>
    fetch(`${cluster.url(service)}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it.each(ENDPOINTS)('%s %s: 401 without a token or with an unknown one', async (service, path) => {
    expect((await get(service, path)).status).toBe(401);
    expect((await get(service, path, 'unknown-token-0123456789abcdefgh')).status).toBe(401);
  });

  it.each(ENDPOINTS)('%s %s: 403 for a token without the viewer role', async (service, path) => {
    expect((await get(service, path, EXPORTER)).status).toBe(403);
  });

  it.each(ENDPOINTS)(
    '%s %s: a viewer reads it (404 or an empty list: no such record), no-store, no x-powered-by',
    async (service, path) => {
      const response = await get(service, path, VIEWER);
      expect([200, 404]).toContain(response.status);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-powered-by')).toBeNull();
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    },
  );

  it.each(['erp-orders', 'finance-invoicing', 'support-onboarding', 'marketing-segments'] as const)(
    '%s: health and metrics stay open',
    async (service) => {
      for (const path of ['/health/live', '/health/ready', '/metrics']) {
        expect((await get(service, path)).status).toBe(200);
      }
    },
  );

  it('a token past its rate limit gets 429 with Retry-After; another token still reads', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < LIMIT + 3; i += 1) {
      const response = await get('erp-orders', '/v1/sales-orders/by-deal/D-none', BURST);
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }
    expect(statuses.slice(0, LIMIT).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(LIMIT)).toEqual([429, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    expect((await get('erp-orders', '/v1/sales-orders/by-deal/D-none', VIEWER)).status).toBe(404);
  });
});
