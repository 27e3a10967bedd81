// A poller gets only the secret of the source it speaks for. (Pure: no stack.)
import { ingestSecret, secretOfSource } from '../../scripts/support/poller';

describe("a poller holds only its own source's secret", () => {
  const own = 'support-secret-0123456789abcdef==';

  it("reads INGEST_SECRET, the one source's secret", () => {
    expect(ingestSecret({ INGEST_SECRET: own }, 'support')).toBe(own);
  });

  it("refuses to start when handed ingest's INGEST_SOURCE_SECRETS (every source's secret)", () => {
    expect(() =>
      ingestSecret({ INGEST_SECRET: own, INGEST_SOURCE_SECRETS: `crm=x,support=${own}` }, 'support'),
    ).toThrow(/pass only the support secret as INGEST_SECRET/);
  });

  it('refuses a missing or short secret', () => {
    expect(() => ingestSecret({}, 'erp')).toThrow(/INGEST_SECRET .* is required, at least 24/);
    expect(() => ingestSecret({ INGEST_SECRET: 'short' }, 'erp')).toThrow(/at least 24/);
  });

  it('the local runner picks one source out of the list, `=` inside kept, the newer of two', () => {
    expect(secretOfSource(`crm=a,support=old-one,support=${own}`, 'support')).toBe(own);
    expect(secretOfSource('crm=a', 'support')).toBeUndefined();
  });
});
