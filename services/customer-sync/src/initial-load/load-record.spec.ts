import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseOwnership } from '@switchboard/master-data';

import { loadRecord, type LoadRecordContext } from './load-record';

const FILE = join(__dirname, '../../../../deploy/ownership.yaml');
const NOW = Date.parse('2026-06-01T12:00:00Z');

function context(system: LoadRecordContext['system']): LoadRecordContext {
  return {
    config: parseOwnership(readFileSync(FILE, 'utf8'), FILE),
    system,
    asOf: Date.parse('2026-05-31T00:00:00Z'),
    runId: 'run-1',
    now: NOW,
    maxFutureSkewMs: 300_000,
  };
}

const record = (value: Record<string, unknown> | null, error?: string) => ({
  number: 7,
  position: 700,
  value,
  error,
});

describe('loadRecord: an exported record as the change a live customer_updated would be', () => {
  it('reads a record with the system’s mapping: marketing’s phone numbers to E.164', () => {
    const outcome = loadRecord(
      record({ entity: 'contact', externalId: 'M-1', name: 'Ada Rossi', phone: ' 333 123 4567 ' }),
      context('marketing'),
    );
    expect(outcome).toMatchObject({
      ok: true,
      change: {
        system: 'marketing',
        entity: 'contact',
        externalId: 'M-1',
        fields: { phone: '+393331234567' },
        changedAt: Date.parse('2026-05-31T00:00:00Z'),
        actor: 'load:run-1',
        reason: 'initial_load',
      },
    });
  });

  it('refuses, with the field and the reason, a value the mapping cannot read', () => {
    const outcome = loadRecord(
      record({ entity: 'contact', externalId: 'M-2', name: 'Ada Rossi', phone: 'call me' }),
      context('marketing'),
    );
    expect(outcome).toEqual({ ok: false, externalId: 'M-2', reason: expect.stringMatching(/^phone: /) });
  });

  it('keeps a contact’s account link and takes the record’s own time', () => {
    const outcome = loadRecord(
      record({
        entity: 'contact',
        externalId: 'C-1',
        accountExternalId: 'A-1',
        changedAt: '2026-05-30T10:00:00Z',
        name: 'Bea Bianchi',
      }),
      context('crm'),
    );
    expect(outcome).toMatchObject({
      ok: true,
      change: { accountExternalId: 'A-1', changedAt: Date.parse('2026-05-30T10:00:00Z') },
    });
  });

  it('refuses what the live contract refuses, naming every wrong field', () => {
    const outcome = loadRecord(
      record({ entity: 'account', externalId: 'A-9', nmae: 'typo' }),
      context('crm'),
    );
    expect(outcome).toEqual({ ok: false, externalId: 'A-9', reason: expect.stringContaining('nmae') });
  });

  it('refuses a source time too far in the future, and a record that could not be read', () => {
    expect(
      loadRecord(
        record({ entity: 'account', externalId: 'A-3', name: 'Later', changedAt: '2026-06-02T00:00:00Z' }),
        context('crm'),
      ),
    ).toEqual({ ok: false, externalId: 'A-3', reason: expect.stringMatching(/^changedAt: /) });
    expect(loadRecord(record(null, 'is not JSON'), context('crm'))).toEqual({
      ok: false,
      externalId: null,
      reason: 'record 7 is not JSON',
    });
  });
});
