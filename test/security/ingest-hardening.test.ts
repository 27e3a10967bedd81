// Against a real ingest process: the signature is checked before a body is
// parsed, each source has its own rate limit (429 + Retry-After), and the security headers are set.
import { randomUUID } from 'node:crypto';

import { sampleDeal, type IngestClient, type ServiceProcess } from '@switchboard/testing';

import { testEnv } from '../support/cluster';
import { SECURITY_BASE_PORT, ingestAt, provisionService, serviceProcess } from './support';

jest.setTimeout(120_000);

const LIMIT = 5;

describe('ingest: signature before parsing, a rate limit per source, security headers', () => {
  let ingest: ServiceProcess;
  let client: IngestClient;

  beforeAll(async () => {
    await provisionService('ingest', testEnv());
    ingest = serviceProcess('ingest', 'security-ingest', SECURITY_BASE_PORT + 2, {
      RATE_LIMIT_MAX_REQUESTS: String(LIMIT),
      RATE_LIMIT_WINDOW_SECONDS: '60',
    });
    ingest.start();
    client = ingestAt(ingest.url);
    await ingest.waitReady();
  });

  afterAll(async () => {
    await ingest?.stop();
  });

  const event = () => ({ id: randomUUID(), type: 'ticket_escalated', data: {} });

  it('an unsigned megabyte of broken JSON is refused as unauthenticated (401), never parsed', async () => {
    const body = `{"a":${'['.repeat(900_000)}`;
    const result = await client.post('crm', event(), {
      rawBody: body,
      secret: 'not-the-secret-0123456789abc',
    });
    expect(result.status).toBe(401);
    expect(result.body).toMatchObject({ error: { code: 'unauthenticated' } });
    // Signed, the same bytes are parsed, and refused as JSON.
    const signed = await client.post('crm', event(), { rawBody: body });
    expect(signed.body).toMatchObject({ error: { code: 'malformed_json' } });
  });

  it('a signed body nested thousands of levels deep gets 400 naming where, never a 500', async () => {
    const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
    const bodies = [
      `{"id":"${randomUUID()}","type":"deal_won","data":${deep(5_000)}}`,
      `{"id":"${randomUUID()}","type":"deal_won","data":{"lines":[${deep(50_000)}]}}`,
    ];
    for (const rawBody of bodies) {
      const result = await client.post('erp', event(), { rawBody });
      expect(result.status).toBe(400);
      expect(result.body).toMatchObject({ error: { code: 'validation_failed' } });
    }
    expect((await client.post('erp', event(), { rawBody: bodies[1] })).body).toMatchObject({
      error: { fields: [{ field: expect.stringMatching(/^data\.lines\[0\](\.a)+$/) as unknown }] },
    });
    expect((await fetch(`${ingest.url}/health/ready`)).status).toBe(200);
  });

  it.each([
    ['U+0000', 'Anna\u0000'],
    ['a lone surrogate', 'Anna\ud800'],
  ])('a value with %s, which no store can hold, gets 400 naming the field', async (_, firstName) => {
    // An otherwise valid deal: only the one field is wrong.
    const deal = sampleDeal({ dealId: `D-${randomUUID()}`, contact: { firstName } });
    const rawBody = JSON.stringify({ id: randomUUID(), type: 'deal_won', data: deal });
    const result = await client.post('crm', event(), { rawBody });
    expect(result.body).toMatchObject({
      error: { code: 'validation_failed', fields: [{ field: 'data.contact.firstName' }] },
    });
    expect(result.status).toBe(400);
  });

  it.each(['__proto__', 'constructor'])(
    'a "%s" key is an unknown field, refused like any other',
    async (key) => {
      const rawBody = `{"id":"${randomUUID()}","type":"invoice_paid","${key}":{"polluted":true},"data":{}}`;
      const result = await client.post('finance', event(), { rawBody });
      expect(result.status).toBe(400);
      expect(result.body).toMatchObject({ error: { code: 'validation_failed' } });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it.each(['__proto__', 'constructor', 'toString'])(
    'a "%s" key inside an otherwise valid deal gets 400 naming it, never a 500 or a silent drop',
    async (key) => {
      const deal = JSON.stringify(sampleDeal({ dealId: `D-${randomUUID()}` }));
      const data = deal.replace('"contact":{', `"contact":{"${key}":"x",`);
      const rawBody = `{"id":"${randomUUID()}","type":"deal_won","data":${data}}`;
      // Refused before the publisher check; a source of its own keeps clear of the rate limit.
      const result = await client.post('ecommerce', event(), { rawBody });
      expect(result.body).toMatchObject({
        error: { code: 'validation_failed', fields: [{ field: `data.contact.${key}` }] },
      });
      expect(result.status).toBe(400);
    },
  );

  it('a body over 1 MB is refused with 413 before its signature is computed', async () => {
    const result = await client.post('crm', event(), { rawBody: `"${'x'.repeat(1024 * 1024 + 10)}"` });
    expect(result.status).toBe(413);
    expect(result.body).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('past its rate limit a source gets 429 with Retry-After; another source is not held up', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < LIMIT + 2; i += 1) {
      const response = await fetchSigned('marketing');
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }
    expect(statuses.slice(0, LIMIT).every((status) => status === 400)).toBe(true); // validation: empty data
    expect(statuses.slice(LIMIT)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    expect((await fetchSigned('support')).status).toBe(400);
  });

  it('no x-powered-by; helmet headers on every answer', async () => {
    const response = await fetch(`${ingest.url}/health/live`);
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('strict-transport-security')).toContain('max-age=');
  });

  /** A signed POST whose data is invalid (cheap: 400), returning the raw response for its headers. */
  async function fetchSigned(source: string): Promise<Response> {
    const { createHmac } = await import('node:crypto');
    const secrets = Object.fromEntries(
      (testEnv().INGEST_SOURCE_SECRETS ?? '')
        .split(',')
        .map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
    );
    const body = JSON.stringify({ id: randomUUID(), type: 'customer_updated', data: {} });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = `v1=${createHmac('sha256', secrets[source]).update(`${timestamp}.${body}`).digest('hex')}`;
    return fetch(`${ingest.url}/v1/events`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-switchboard-source': source,
        'x-switchboard-timestamp': timestamp,
        'x-switchboard-signature': signature,
      },
    });
  }
});
