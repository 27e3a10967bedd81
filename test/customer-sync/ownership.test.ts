// Ownership is configuration: a wrong file stops the service with a readable list of problems, and
// another file changes who masters what, what is audited and which records flow, with no code change.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type CloudEvent, type CustomerUpdatedV1, type SourceSystem } from '@switchboard/contracts';
import { eventually, type ServiceProcess } from '@switchboard/testing';

import { ROOT } from '../support/cluster';
import {
  SyncDb,
  Sources,
  api,
  customerSyncProcess,
  freshGroupPrefix,
  iso,
  provisionCustomerSync,
  runId,
} from './support';

jest.setTimeout(240_000);

const dir = mkdtempSync(join(tmpdir(), 'customer-sync-ownership-'));

describe('ownership file', () => {
  beforeAll(() => provisionCustomerSync());

  it('a wrong file stops the service at start-up with every problem, its path and line', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(
      file,
      readFileSync(join(ROOT, 'deploy/ownership.yaml'), 'utf8')
        .replace('phone: { master: crm, writers: [erp]', 'phone: { master: sap, writers: [erp]')
        .replace(
          'paymentTerms: { master: erp, receivers: [crm], strategy: source_of_truth }',
          'paymentTerms: { master: erp, receivers: [crm], strategy: first_wins }',
        ),
    );
    const service = customerSyncProcess('customer-sync-ownership-broken', {
      CUSTOMER_SYNC_OWNERSHIP_FILE: file,
    });
    service.start();
    const exit = await service.waitExit();
    expect(exit.code).toBe(78);
    const log = readFileSync(
      join(ROOT, '.stack/test-logs/customer-sync-ownership-broken/customer-sync.log'),
      'utf8',
    );
    expect(log).toContain(`customer-sync: refusing to start.\nInvalid ownership configuration ${file}:`);
    expect(log).toMatch(
      /- entities\.account\.fields\.phone\.master \(line \d+\): must be one of crm, erp, finance, support, marketing, ecommerce \(got "sap"\)/,
    );
    expect(log).toMatch(
      /- entities\.account\.fields\.paymentTerms\.strategy \(line \d+\): must be one of last_writer_wins, source_of_truth, manual_review, merge \(got "first_wins"\)/,
    );
  });

  describe('another file, no code change', () => {
    let service: ServiceProcess;
    let sources: Sources;
    let db: SyncDb;
    const run = runId();

    beforeAll(async () => {
      // The ERP masters the phone now, accounts are not audited, and only Italian accounts reach marketing.
      const file = join(dir, 'custom.yaml');
      writeFileSync(
        file,
        readFileSync(join(ROOT, 'deploy/ownership.yaml'), 'utf8')
          .replace('version: 1', 'version: 2')
          .replace(
            'phone: { master: crm, writers: [erp], receivers: [erp, marketing, support], strategy: last_writer_wins }',
            'phone: { master: erp, receivers: [crm, marketing], strategy: last_writer_wins }',
          )
          .replace('  account:\n    audit: true', '  account:\n    audit: false')
          .replace(
            'flows:\n',
            'flows:\n  - target: marketing\n    entity: account\n    include: { country: [IT] }\n',
          ),
      );
      service = customerSyncProcess('customer-sync-ownership', {
        CUSTOMER_SYNC_OWNERSHIP_FILE: file,
        KAFKA_GROUP_PREFIX: await freshGroupPrefix('ownership'),
      });
      service.start();
      sources = new Sources();
      db = new SyncDb();
      await Promise.all([service.waitReady(), sources.connect()]);
    });

    afterAll(async () => {
      await sources?.disconnect();
      await service?.stop();
      await db?.close();
    });

    const updated = (
      system: SourceSystem,
      externalId: string,
      fields: CustomerUpdatedV1['fields'],
      at: number,
    ): CloudEvent =>
      sources.event('customer_updated', system, {
        system,
        entity: 'account',
        externalId,
        changedAt: iso(at),
        fields,
      });

    it('applies the new masters, skips the audit of accounts and routes by country', async () => {
      const t = Date.parse('2025-08-01T08:00:00Z');
      const events = [
        updated(
          'crm',
          `ACC-${run}-de`,
          {
            name: 'Deutsch GmbH',
            email: `de.${run}@example.com`,
            billingAddress: { line1: 'A 1', city: 'Berlin', country: 'DE' },
          },
          t,
        ),
        updated(
          'crm',
          `ACC-${run}-it`,
          {
            name: 'Italiana Srl',
            email: `it.${run}@example.com`,
            billingAddress: { line1: 'B 2', city: 'Roma', country: 'IT' },
          },
          t,
        ),
      ];
      await sources.publish(events);
      await eventually(() => db.allHandled(events.map((e) => e.id)), { timeoutMs: 120_000 });
      const de = (await db.customerIdByRef('crm', 'account', `ACC-${run}-de`))!;
      const it = (await db.customerIdByRef('crm', 'account', `ACC-${run}-it`))!;
      const phones = [
        updated('crm', `ACC-${run}-it`, { phone: 'from-crm' }, t + 1000),
        updated('erp', `C-${run}-it`, { email: `it.${run}@example.com`, phone: 'from-erp' }, t + 2000),
      ];
      await sources.publish([phones[0]]);
      await eventually(() => db.allHandled([phones[0].id]), { timeoutMs: 120_000 });
      await sources.publish([phones[1]]);
      await eventually(() => db.allHandled([phones[1].id]), { timeoutMs: 120_000 });

      const italian = (await api(`/v1/customers/${it}`)).body;
      expect(italian.fields.phone).toBe('from-erp');
      expect((await api(`/v1/customers/${it}/refused-changes`)).body).toEqual([
        expect.objectContaining({
          system: 'crm',
          field: 'phone',
          reason: 'not_owner',
          message: expect.stringContaining('(master: erp)'),
        }),
      ]);
      expect((await api(`/v1/customers/${it}/audit`)).body).toEqual([]); // audit switched off for accounts
      expect((await db.synced(it)).filter((s) => s.target === 'marketing')).toHaveLength(2);
      expect((await db.synced(de)).filter((s) => s.target === 'marketing')).toHaveLength(0); // not Italian: not in the flow
      expect(
        (await db.synced(it))
          .filter((s) => s.fields.phone === 'from-erp')
          .map((s) => s.target)
          .sort(),
      ).toEqual(['crm', 'marketing']);
    });
  });
});
