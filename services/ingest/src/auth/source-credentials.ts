import { createHmac, timingSafeEqual } from 'node:crypto';

import { isSourceSystem, type SourceSystem } from '@switchboard/contracts';

/** Parses `crm=secret,finance=secret`; unknown source names fail at boot, not at the first request. */
export function parseSourceSecrets(raw: string): Map<SourceSystem, Buffer> {
  const secrets = new Map<SourceSystem, Buffer>();
  for (const pair of raw.split(',')) {
    const [source, secret] = pair.split('=', 2) as [string, string];
    if (!isSourceSystem(source)) throw new Error(`INGEST_SOURCE_SECRETS: unknown source system "${source}"`);
    secrets.set(source, Buffer.from(secret, 'utf8'));
  }
  return secrets;
}

/** `v1=` + hex HMAC-SHA256 of `<timestamp>.<raw body>` with the source's secret. */
export function signature(secret: Buffer | string, timestamp: string, body: Buffer | string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

export function signaturesMatch(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
