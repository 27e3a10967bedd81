import type { EntityManager } from 'typeorm';

import { buildCloudEvent, type CloudEvent, type CustomerSyncedV1 } from '@switchboard/contracts';
import type {
  CrmAccountChanges,
  CrmAccounts,
  CrmApplyOutcome,
  CrmLeadOutcome,
  CrmTaskOutcome,
} from '@switchboard/downstream';
import { ChunkContext, EventRejected } from '@switchboard/inbox';
import type { OutboxWriter } from '@switchboard/outbox';

import { CrmAccountsService } from './crm-accounts.service';

/** crm_account_sync as the service's statements see it: applied versions in, upserted rows out. */
class FakeManager {
  upserts: unknown[][] = [];
  constructor(readonly versions: Record<string, number> = {}) {}

  query(sql: string, params: unknown[] = []): Promise<unknown> {
    if (sql.includes('pg_advisory_xact_lock')) return Promise.resolve([]);
    if (sql.startsWith('SELECT customer_id, applied_version')) {
      const ids = params[0] as string[];
      return Promise.resolve(
        ids
          .filter((id) => id in this.versions)
          .map((id) => ({ customer_id: id, applied_version: this.versions[id] })),
      );
    }
    if (sql.includes('INSERT INTO crm_account_sync')) {
      this.upserts.push(params);
      return Promise.resolve([]);
    }
    throw new Error(`unexpected statement: ${sql}`);
  }
}

class FakeCrm implements CrmAccounts {
  readonly name = 'fake-crm';
  calls: Array<[string, CrmAccountChanges]> = [];
  constructor(private readonly accounts: string[]) {}
  findAccount(): Promise<null> {
    return Promise.resolve(null);
  }
  applyToAccount(accountId: string, changes: CrmAccountChanges): Promise<CrmApplyOutcome> {
    this.calls.push([accountId, changes]);
    return Promise.resolve(this.accounts.includes(accountId) ? 'applied' : 'account_missing');
  }
  knownUsers(): Promise<string[]> {
    return Promise.resolve([]);
  }
  openTask(): Promise<CrmTaskOutcome> {
    return Promise.resolve('created');
  }
  openLead(): Promise<CrmLeadOutcome> {
    return Promise.resolve('created');
  }
}

const synced = (n: number, overrides: Partial<CustomerSyncedV1>): CloudEvent<'customer_synced'> =>
  buildCloudEvent({
    id: `00000000-0000-4000-8000-00000000000${n}`,
    source: 'switchboard/customer-sync',
    type: 'customer_synced',
    data: {
      customerId: 'cust-1',
      entity: 'account',
      target: 'crm',
      targetExternalId: 'ACC-1',
      action: 'upsert',
      version: 1,
      changedAt: '2026-12-06T08:00:00.000Z',
      origin: { system: 'erp', eventId: null, actor: 'system:erp' },
      fields: {},
      crossReferences: [{ system: 'crm', externalId: 'ACC-1' }],
      ...overrides,
    },
  });

function chunkOf(manager: FakeManager): ChunkContext {
  return new ChunkContext(manager as unknown as EntityManager, {} as OutboxWriter, 'crm-sync', new Map());
}

describe('CrmAccountsService.applySynced', () => {
  it('applies newer versions in order, skips stale ones, and records one row per customer', async () => {
    const manager = new FakeManager({ 'cust-1': 3 });
    const crm = new FakeCrm(['ACC-1', 'ACC-2']);
    await new CrmAccountsService(crm).applySynced(
      [
        synced(1, { version: 3, fields: { paymentTerms: 'stale' } }),
        synced(2, { version: 4, fields: { paymentTerms: 'Net 30' } }),
        synced(3, { version: 5, fields: { paymentStatus: 'paid' } }),
        synced(4, { target: 'erp', version: 9, fields: { paymentTerms: 'not for the CRM' } }),
        synced(5, {
          customerId: 'cust-2',
          targetExternalId: 'ACC-2',
          version: 1,
          fields: { vatNumber: 'DE136695976' },
        }),
      ],
      chunkOf(manager),
    );
    expect(crm.calls).toEqual([
      ['ACC-1', { paymentTerms: 'Net 30' }],
      ['ACC-1', { paymentStatus: 'paid' }],
      ['ACC-2', { vatNumber: 'DE136695976' }],
    ]);
    expect(manager.upserts).toEqual([
      [
        ['cust-1', 'cust-2'],
        ['ACC-1', 'ACC-2'],
        [5, 1],
        [
          JSON.stringify({ paymentTerms: 'Net 30', paymentStatus: 'paid' }),
          JSON.stringify({ vatNumber: 'DE136695976' }),
        ],
        ['00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000005'],
      ],
    ]);
  });

  it('rejects an event whose account the CRM does not have (dead-lettered alone by the transport)', async () => {
    const manager = new FakeManager();
    const event = synced(1, { targetExternalId: 'ACC-404', fields: { paymentTerms: 'Net 30' } });
    await expect(
      new CrmAccountsService(new FakeCrm(['ACC-1'])).applySynced([event], chunkOf(manager)),
    ).rejects.toEqual(expect.objectContaining({ code: 'crm_account_missing' }));
    await expect(
      new CrmAccountsService(new FakeCrm([])).applySynced([event], chunkOf(manager)),
    ).rejects.toBeInstanceOf(EventRejected);
    expect(manager.upserts).toEqual([]);
  });
});
