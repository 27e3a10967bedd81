import { nameBasedUuid, timeOrderedUuid, uuidV5 } from './ids';

describe('name-based UUIDs', () => {
  it('implements RFC 9562 version 5', () => {
    // Test vector from RFC 9562 appendix A.4.
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('is deterministic per scope and name and differs across scopes', () => {
    const id = nameBasedUuid('switchboard.ingest', 'crm/42');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(nameBasedUuid('switchboard.ingest', 'crm/42')).toBe(id);
    expect(nameBasedUuid('switchboard.ingest', 'crm/43')).not.toBe(id);
    expect(nameBasedUuid('switchboard.dead-letter', 'crm/42')).not.toBe(id);
  });
});

describe('time-ordered UUIDs', () => {
  it('implements RFC 9562 version 7: the millisecond time first, then random bits', () => {
    const id = timeOrderedUuid(Date.UTC(2026, 11, 6, 13, 30));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.UTC(2026, 11, 6, 13, 30));
    expect(timeOrderedUuid(Date.UTC(2026, 11, 6, 13, 30))).not.toBe(id);
  });

  it('sorts a later id after an earlier one', () => {
    const earlier = timeOrderedUuid(1_700_000_000_000);
    const later = timeOrderedUuid(1_700_000_000_001);
    expect([later, earlier].sort()).toEqual([earlier, later]);
  });
});
