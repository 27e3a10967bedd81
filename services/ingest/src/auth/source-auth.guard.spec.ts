import type { ExecutionContext } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';

import { validateEnv } from '@switchboard/platform';

import { IngestEnv } from '../config/ingest.env';
import { IngestError, IngestErrorCode } from '../events/ingest.errors';
import { SourceAuthGuard, type AuthenticatedRequest } from './source-auth.guard';
import { parseSourceSecrets, signature, sourceSecretPairs } from './source-credentials';

const SECRETS = 'crm=crm-secret-0123456789,finance=finance-secret-0123456789';
const config = {
  getOrThrow: (key: string) => ({ INGEST_SOURCE_SECRETS: SECRETS, INGEST_MAX_CLOCK_SKEW_SECONDS: 300 })[key],
} as unknown as ConfigService;

function contextFor(
  headers: Record<string, string>,
  body: string,
): { context: ExecutionContext; request: AuthenticatedRequest } {
  const request = {
    rawBody: Buffer.from(body),
    header: (name: string) => headers[name.toLowerCase()],
  } as unknown as AuthenticatedRequest;
  const context = { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
  return { context, request };
}

function signed(source: string, secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)) {
  return {
    'x-switchboard-source': source,
    'x-switchboard-timestamp': String(timestamp),
    'x-switchboard-signature': signature(secret, String(timestamp), body),
  };
}

function codeOf(run: () => unknown): IngestErrorCode | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof IngestError) return error.code;
    throw error;
  }
  return undefined;
}

describe('SourceAuthGuard', () => {
  const guard = new SourceAuthGuard(config);
  const body = '{"id":"1","type":"deal_won","data":{}}';

  it('accepts a correctly signed request and records its source', () => {
    const { context, request } = contextFor(signed('crm', 'crm-secret-0123456789', body), body);
    expect(guard.canActivate(context)).toBe(true);
    expect(request.source).toBe('crm');
  });

  it('refuses a signature made with another secret or over another body', () => {
    expect(
      codeOf(() =>
        guard.canActivate(contextFor(signed('crm', 'wrong-secret-0123456789', body), body).context),
      ),
    ).toBe(IngestErrorCode.Unauthenticated);
    expect(
      codeOf(() =>
        guard.canActivate(contextFor(signed('crm', 'crm-secret-0123456789', body), `${body} `).context),
      ),
    ).toBe(IngestErrorCode.Unauthenticated);
  });

  it('refuses an unknown source and missing headers', () => {
    expect(
      codeOf(() => guard.canActivate(contextFor(signed('erp', 'x'.repeat(20), body), body).context)),
    ).toBe(IngestErrorCode.Unauthenticated);
    expect(codeOf(() => guard.canActivate(contextFor({}, body).context))).toBe(
      IngestErrorCode.Unauthenticated,
    );
  });

  it('refuses timestamps outside the allowed skew, in the past and the future', () => {
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now - 301, now + 301]) {
      const { context } = contextFor(signed('crm', 'crm-secret-0123456789', body, timestamp), body);
      expect(codeOf(() => guard.canActivate(context))).toBe(IngestErrorCode.StaleTimestamp);
    }
  });
});

describe('parseSourceSecrets', () => {
  it('fails at boot on an unknown source system', () => {
    expect(() => parseSourceSecrets('crn=abcdefghijklmnopq')).toThrow(/unknown source system "crn"/);
  });
});

describe('source secrets: `=` inside, two active per source, never weak or shared', () => {
  const b64 = 'c2VjcmV0LXdpdGgtcGFkZGluZw==';

  it('keeps a base64-padded secret whole (split at the first `=` only)', () => {
    expect(parseSourceSecrets(`crm=${b64}`).get('crm')?.map(String)).toEqual([b64]);
    expect(sourceSecretPairs(`crm=a=b=c,erp=x`)).toEqual([
      { owner: 'crm', value: 'a=b=c' },
      { owner: 'erp', value: 'x' },
    ]);
  });

  it('accepts requests signed with either of two active secrets of a source, and refuses a third secret', () => {
    const rotating = new SourceAuthGuard({
      getOrThrow: (key: string) =>
        ({
          INGEST_SOURCE_SECRETS: `crm=old-secret-0123456789abcdef,crm=${b64}`,
          INGEST_MAX_CLOCK_SKEW_SECONDS: 300,
        })[key],
    } as unknown as ConfigService);
    const body = '{}';
    for (const secret of ['old-secret-0123456789abcdef', b64]) {
      expect(rotating.canActivate(contextFor(signed('crm', secret, body), body).context)).toBe(true);
    }
    expect(
      codeOf(() =>
        rotating.canActivate(contextFor(signed('crm', 'neither-0123456789abcdef', body), body).context),
      ),
    ).toBe(IngestErrorCode.Unauthenticated);
    expect(() => parseSourceSecrets('crm=a1,crm=a2,crm=a3')).toThrow(/more than 2 secrets/);
  });

  it('boot refuses short, shared and (in production) development secrets', () => {
    const validate = validateEnv(IngestEnv);
    const strong = (name: string) => `${name}-0123456789abcdefghijklmnop`;
    expect(() =>
      validate({ INGEST_SOURCE_SECRETS: `crm=${strong('crm')},erp=${strong('erp')}` }),
    ).not.toThrow();
    expect(() => validate({ INGEST_SOURCE_SECRETS: 'crm=too-short-secret' })).toThrow(
      /crm is shorter than 24/,
    );
    expect(() => validate({ INGEST_SOURCE_SECRETS: `crm=${strong('x')},erp=${strong('x')}` })).toThrow(
      /crm and erp share a secret/,
    );
    const dev = 'crm=dev-crm-secret-change-me';
    expect(() => validate({ INGEST_SOURCE_SECRETS: dev })).not.toThrow();
    expect(() => validate({ INGEST_SOURCE_SECRETS: dev, NODE_ENV: 'production' })).toThrow(
      /development secret/,
    );
  });
});
