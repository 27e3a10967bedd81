import type { OpportunitySnapshot } from '@switchboard/connectors';

import { CrmOpportunitiesJob, type CrmOpportunitiesPort } from './crm-opportunities.job';
import type { IngestPort } from './post-changes';

const snapshot = (
  id: number,
  at: string,
  overrides: Partial<OpportunitySnapshot> = {},
): OpportunitySnapshot => ({
  id,
  state: 'won',
  changedAt: at,
  owner: { employeeId: 1, name: 'Anna Bianchi', login: 'sales.anna' },
  creator: { login: 'sales.anna', groups: ['Sales'] },
  account: {
    code: `ACC-${id}`,
    name: 'Lago Blu',
    email: 'ap@lagoblu.example',
    vatNumber: null,
    country: 'IT',
  },
  contact: null,
  endDate: '2026-12-06',
  description: null,
  currency: 'EUR',
  lines: [{ productCode: 'SKU-001', description: null, quantity: 1, unitPrice: '10.0000' }],
  ...overrides,
});

/** The CRM as a list of opportunities; an assignment gives the lead its owner, as Tryton would. */
function fakeCrm(records: OpportunitySnapshot[]): CrmOpportunitiesPort & { assignments: number[] } {
  const assignments: number[] = [];
  return {
    assignments,
    changedSince: () => Promise.resolve(records.map((r) => ({ ...r }))),
    assignOwner: (id, employeeId) => {
      assignments.push(id);
      const record = records.find((r) => r.id === id)!;
      record.owner = { employeeId, name: 'CRM Default Owner', login: 'crm-default-owner' };
      return Promise.resolve();
    },
    employeeOfLogin: (login) => Promise.resolve(login === 'crm-default-owner' ? 3 : null),
  };
}

function fakeIngest(): IngestPort & { accepted: Set<string> } {
  const accepted = new Set<string>();
  return {
    accepted,
    post: (_source, event) => {
      const duplicate = accepted.has(event.id);
      accepted.add(event.id);
      return Promise.resolve({ status: 202, body: { duplicate } });
    },
  };
}

describe('CrmOpportunitiesJob', () => {
  const support = { login: 'support.sam', groups: ['Party Administration'] };

  it('posts each won opportunity once; an invalid one is reported and does not block the others', async () => {
    const crm = fakeCrm([
      snapshot(1, '2026-12-06T10:00:00.000000Z'),
      snapshot(2, '2026-12-06T10:01:00.000000Z', { lines: [] }),
      snapshot(3, '2026-12-06T10:02:00.000000Z'),
      snapshot(4, '2026-12-06T10:03:00.000000Z', { state: 'lead', owner: null, creator: support }),
    ]);
    const ingest = fakeIngest();
    const skipped: Array<[number, string[]]> = [];
    const assigned: number[] = [];
    const job = new CrmOpportunitiesJob({
      crm,
      ingest,
      intervalMs: 1_000,
      overlapSeconds: 60,
      taxRatePercent: '19',
      defaultOwner: 'crm-default-owner',
      salesGroups: ['Sales'],
      report: { skipped: (id, fields) => skipped.push([id, fields]), assigned: (id) => assigned.push(id) },
      startAt: '2026-12-06T09:00:00Z',
    });
    const first = await job.pass({ checkpoint: null, stillLeading: () => true });
    expect(first.events.map((e) => e.id)).toEqual(['crm-opportunity-1-won', 'crm-opportunity-3-won']);
    expect(first.posted).toBe(2);
    expect(skipped).toEqual([[2, ['lines']]]);
    expect(crm.assignments).toEqual([4]);
    expect(assigned).toEqual([4]);
    // Past everything the pass settled, the lead and the skipped one included.
    expect(first.checkpoint).toBe('2026-12-06T10:03:00.000000Z');

    const again = await job.pass({ checkpoint: first.checkpoint, stillLeading: () => true });
    expect(again).toMatchObject({ posted: 0, duplicates: 2 });
    expect(crm.assignments).toEqual([4]);
  });

  it('fails the pass when the default owner has no employee in the CRM', async () => {
    const job = new CrmOpportunitiesJob({
      crm: fakeCrm([
        snapshot(5, '2026-12-06T10:00:00.000000Z', { state: 'lead', owner: null, creator: null }),
      ]),
      ingest: fakeIngest(),
      intervalMs: 1_000,
      overlapSeconds: 60,
      taxRatePercent: '19',
      defaultOwner: 'nobody',
      salesGroups: ['Sales'],
      report: { skipped: () => undefined, assigned: () => undefined },
    });
    await expect(job.pass({ checkpoint: null, stillLeading: () => true })).rejects.toThrow(/no user nobody/);
  });
});
