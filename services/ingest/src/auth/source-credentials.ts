import { createHmac, timingSafeEqual } from 'node:crypto';

import { isSourceSystem, type SourceSystem } from '@switchboard/contracts';
import type { NamedSecret } from '@switchboard/platform';

/** Active secrets per source: two during a rotation (the old one until every caller has the new). */
export const MAX_SECRETS_PER_SOURCE = 2;

/** `crm=a,erp=b,crm=c` as named pairs; a secret may contain `=` (base64 padding): split at the first. */
export function sourceSecretPairs(raw: string): NamedSecret[] {
  return raw
    .split(',')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new Error('INGEST_SOURCE_SECRETS: every entry must be source=secret');
      return { owner: pair.slice(0, at), value: pair.slice(at + 1) };
    });
}

/**
 * Parses `crm=secret,finance=secret`; a source listed twice has two active secrets (rotation).
 * Unknown source names and a third secret fail at boot, not at the first request.
 */
export function parseSourceSecrets(raw: string): Map<SourceSystem, Buffer[]> {
  const secrets = new Map<SourceSystem, Buffer[]>();
  for (const { owner: source, value } of sourceSecretPairs(raw)) {
    if (!isSourceSystem(source)) throw new Error(`INGEST_SOURCE_SECRETS: unknown source system "${source}"`);
    const list = secrets.get(source) ?? [];
    list.push(Buffer.from(value, 'utf8'));
    if (list.length > MAX_SECRETS_PER_SOURCE) {
      throw new Error(
        `INGEST_SOURCE_SECRETS: ${source} has more than ${MAX_SECRETS_PER_SOURCE} secrets (one, or two during a rotation)`,
      );
    }
    secrets.set(source, list);
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

/** True when the signature was made with any of the source's active secrets (all are compared). */
export function signedByAny(
  secrets: readonly Buffer[],
  timestamp: string,
  body: Buffer,
  given: string,
): boolean {
  let matched = false;
  for (const secret of secrets)
    matched = signaturesMatch(signature(secret, timestamp, body), given) || matched;
  return matched;
}
