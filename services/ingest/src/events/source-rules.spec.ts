import type { EventMap } from '@switchboard/contracts';

import { IngestError, IngestErrorCode } from './ingest.errors';
import { checkNotInFuture, checkSourceOwnsPayload } from './source-rules';

function codeOf(run: () => void): IngestErrorCode | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof IngestError) return error.code;
    throw error;
  }
  return undefined;
}

const NOW = Date.parse('2026-01-10T12:00:00Z');
const update = (extra: Partial<EventMap['customer_updated']> = {}): EventMap['customer_updated'] => ({
  system: 'crm',
  entity: 'account',
  externalId: 'A-1',
  changedAt: '2026-01-10T12:00:00Z',
  fields: {},
  ...extra,
});

describe('a source speaks only for itself', () => {
  it('refuses (403) a customer_updated naming another system than the signed source', () => {
    expect(codeOf(() => checkSourceOwnsPayload('marketing', 'customer_updated', update()))).toBe(
      IngestErrorCode.SystemMismatch,
    );
    expect(new IngestError(IngestErrorCode.SystemMismatch, '').status).toBe(403);
    expect(codeOf(() => checkSourceOwnsPayload('crm', 'customer_updated', update()))).toBeUndefined();
  });
});

describe('timestamps in the future', () => {
  it('refuses a changedAt or time later than now plus the skew, naming the field', () => {
    const far = update({ changedAt: '9999-12-31T23:59:59Z' });
    let error: unknown;
    try {
      checkNotInFuture({ type: 'customer_updated', time: '2099-01-01T00:00:00Z' }, far, NOW, 300_000);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(IngestError);
    expect((error as IngestError).status).toBe(400);
    expect((error as IngestError).fields.map((f) => f.field)).toEqual(['time', 'data.changedAt']);
  });

  it('accepts timestamps up to the skew ahead', () => {
    const soon = update({ changedAt: new Date(NOW + 299_000).toISOString() });
    expect(codeOf(() => checkNotInFuture({ type: 'customer_updated' }, soon, NOW, 300_000))).toBeUndefined();
    const later = update({ changedAt: new Date(NOW + 301_000).toISOString() });
    expect(codeOf(() => checkNotInFuture({ type: 'customer_updated' }, later, NOW, 300_000))).toBe(
      IngestErrorCode.FutureTimestamp,
    );
  });
});
