import type { PartyChange, PartySnapshot } from '@switchboard/connectors';

import type { IngestPort } from './post-changes';
import { TrytonPartiesJob } from './tryton-parties.job';

const party = (id: number, changedAt: string): PartySnapshot => ({
  id,
  code: `P-${id}`,
  name: `Party ${id}`,
  email: null,
  phone: '+39 02 1234567',
  vatNumber: null,
  address: null,
  paymentTerms: null,
  changedAt,
});

/** ingest that accepts everything and keeps what each source posted. */
function recordingIngest(): IngestPort & { posted: Array<{ source: string; id: string; data: unknown }> } {
  const posted: Array<{ source: string; id: string; data: unknown }> = [];
  return {
    posted,
    post: (source, event) => {
      posted.push({ source, id: event.id, data: event.data });
      return Promise.resolve({ status: 202, body: { duplicate: false } });
    },
  };
}

describe('TrytonPartiesJob', () => {
  it("posts the CRM's accounts and contacts as the crm source, each as what it stands for", async () => {
    const changes: PartyChange[] = [
      { party: party(2, '2026-12-06T10:00:02.000000Z'), kind: { system: 'crm', entity: 'account' } },
      {
        party: party(3, '2026-12-06T10:00:03.000000Z'),
        kind: { system: 'crm', entity: 'contact', accountExternalId: 'P-2' },
      },
    ];
    const ingest = recordingIngest();
    const job = new TrytonPartiesJob({
      name: 'crm-parties',
      source: 'crm',
      parties: { changesSince: () => Promise.resolve(changes) },
      ingest,
      intervalMs: 1_000,
      overlapSeconds: 0,
    });
    const result = await job.pass({ checkpoint: '2026-12-06T10:00:00.000000Z', stillLeading: () => true });
    expect(job.name).toBe('crm-parties');
    expect(ingest.posted).toEqual([
      {
        source: 'crm',
        id: 'crm-party-2-20261206100002000000',
        data: expect.objectContaining({ system: 'crm', entity: 'account', externalId: 'P-2' }),
      },
      {
        source: 'crm',
        id: 'crm-party-3-20261206100003000000',
        data: expect.objectContaining({ entity: 'contact', externalId: 'P-3', accountExternalId: 'P-2' }),
      },
    ]);
    expect(result).toMatchObject({ posted: 2, checkpoint: '2026-12-06T10:00:03.000000Z' });
  });

  it("is the ERP's parties job unless told otherwise", async () => {
    const ingest = recordingIngest();
    const job = new TrytonPartiesJob({
      parties: {
        changesSince: () =>
          Promise.resolve([
            { party: party(7, '2026-12-06T10:00:07.000000Z'), kind: { system: 'erp', entity: 'account' } },
          ]),
      },
      ingest,
      intervalMs: 1_000,
      overlapSeconds: 0,
    });
    await job.pass({ checkpoint: '2026-12-06T10:00:00.000000Z', stillLeading: () => true });
    expect(job.name).toBe('tryton-parties');
    expect(ingest.posted).toEqual([
      {
        source: 'erp',
        id: 'tryton-party-7-20261206100007000000',
        data: expect.objectContaining({ system: 'erp' }),
      },
    ]);
  });
});
