// Ownership is configuration: a wrong file stops the service with a readable list of problems, and
// another file changes who masters what, what is audited and which records flow, with no code change.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

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

const cli = (file: string) =>
  promisify(execFile)(process.execPath, [
    join(ROOT, 'dist/scripts/switchboard.js'),
    'ownership',
    'validate',
    file,
  ]);

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
      /- entities\.account\.fields\.phone\.master \(line \d+\): must be one of crm, erp, finance, support, marketing, ecommerce, contacts \(got "sap"\)/,
    );
    expect(log).toMatch(
      /- entities\.account\.fields\.paymentTerms\.strategy \(line \d+\): must be one of last_writer_wins, source_of_truth, manual_review, merge \(got "first_wins"\)/,
    );
  });

  it('switchboard ownership validate passes a valid file and names every problem of a wrong one, with its line', async () => {
    const valid = await cli(join(ROOT, 'deploy/ownership.yaml'));
    expect(valid.stdout).toMatch(
      /deploy\/ownership\.yaml: valid, version 1; account \(\d+ fields\), contact \(\d+ fields\); \d+ flow rules; field mappings: erp 1, marketing 1, ecommerce 1/,
    );

    const file = join(dir, 'cli-broken.yaml');
    writeFileSync(
      file,
      readFileSync(join(ROOT, 'deploy/ownership.yaml'), 'utf8').replace(
        'phone: { master: crm, writers: [erp]',
        'phone: { master: sap, writers: [erp]',
      ),
    );
    const refused = await cli(file).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toMatch(
      /- entities\.account\.fields\.phone\.master \(line \d+\): must be one of crm, erp, finance, support, marketing, ecommerce, contacts \(got "sap"\)/,
    );
  });

  describe('another file, no code change', () => {
    let service: ServiceProcess;
    let sources: Sources;
    let db: SyncDb;
    const run = runId();
    const file = join(dir, 'custom.yaml');
    const crmPhone =
      'phone: { master: crm, writers: [erp], receivers: [erp, marketing, support], strategy: last_writer_wins }';
    const erpPhone = 'phone: { master: erp, receivers: [crm, marketing], strategy: last_writer_wins }';
    // The ERP masters the phone now, accounts are not audited, and only Italian accounts reach marketing.
    const custom = readFileSync(join(ROOT, 'deploy/ownership.yaml'), 'utf8')
      .replace('version: 1', 'version: 2')
      .replace(crmPhone, erpPhone)
      .replace('  account:\n    audit: true', '  account:\n    audit: false')
      .replace(
        'flows:\n',
        'flows:\n  - target: marketing\n    entity: account\n    include: { country: [IT] }\n',
      );

    beforeAll(async () => {
      writeFileSync(file, custom);
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

    const reloads = async (outcome: string) => {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      const line = text
        .split('\n')
        .find((entry) =>
          entry.startsWith(`switchboard_customer_sync_ownership_reloads_total{outcome="${outcome}"`),
        );
      return line ? Number(line.split(' ').pop()) : 0;
    };

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

    it('follows a changed file without a restart, and refuses an invalid one, keeping the rules in force', async () => {
      const t = Date.parse('2025-09-01T08:00:00Z');
      const externalId = `ACC-${run}-reload`;
      const first = updated(
        'crm',
        externalId,
        { name: 'Ricarica Srl', email: `reload.${run}@example.com` },
        t,
      );
      const refused = updated('crm', externalId, { phone: 'crm-1' }, t + 500);
      for (const event of [first, refused]) {
        await sources.publish([event]);
        await eventually(() => db.allHandled([event.id]), { timeoutMs: 120_000 });
      }
      const id = (await db.customerIdByRef('crm', 'account', externalId))!;
      // In force (version 2): the ERP masters the phone, so the CRM's phone was refused.
      expect((await api(`/v1/customers/${id}`)).body.fields.phone).toBeUndefined();

      // Version 3 gives the phone back to the CRM: the next event follows it, no restart.
      writeFileSync(file, custom.replace('version: 2', 'version: 3').replace(erpPhone, crmPhone));
      await eventually(async () => expect(await reloads('applied')).toBeGreaterThanOrEqual(1));
      const second = updated('crm', externalId, { phone: 'crm-2' }, t + 1000);
      await sources.publish([second]);
      await eventually(() => db.allHandled([second.id]), { timeoutMs: 120_000 });
      expect((await api(`/v1/customers/${id}`)).body.fields.phone).toBe('crm-2');

      // An invalid version 4 (a master that is no system) is refused: version 3 stays in force.
      const refusedBefore = await reloads('refused');
      writeFileSync(
        file,
        custom.replace('version: 2', 'version: 4').replace(erpPhone, erpPhone.replace('erp,', 'sap,')),
      );
      await eventually(async () => expect(await reloads('refused')).toBeGreaterThan(refusedBefore));
      const third = updated('crm', externalId, { phone: 'crm-3' }, t + 2000);
      await sources.publish([third]);
      await eventually(() => db.allHandled([third.id]), { timeoutMs: 120_000 });
      expect((await api(`/v1/customers/${id}`)).body.fields.phone).toBe('crm-3');
      expect(await reloads('applied')).toBe(1);
    });

    it('follows a changed field mapping from the next event, refuses an invalid one and keeps the mapping in force', async () => {
      const t = Date.parse('2025-10-01T08:00:00Z');
      const externalId = `ACC-${run}-mapping`;
      const handle = async (event: CloudEvent) => {
        await sources.publish([event]);
        await eventually(() => db.allHandled([event.id]), { timeoutMs: 120_000 });
      };
      // In force: no mapping of the CRM's account types, so its German label is taken as it is.
      await handle(
        updated(
          'crm',
          externalId,
          { name: 'Mappa Srl', email: `mapping.${run}@example.com`, accountType: 'Kunde' },
          t,
        ),
      );
      const id = (await db.customerIdByRef('crm', 'account', externalId))!;
      expect((await api(`/v1/customers/${id}`)).body.fields.accountType).toBe('Kunde');

      // Version 5 maps the CRM's label in, the ERP's out, and gives support its own name for the
      // billing address: the next event follows it, no restart.
      const mapped = custom
        .replace('version: 2', 'version: 5')
        .replace(
          'mappings:\n',
          'mappings:\n  crm:\n    account:\n      accountType: { values: { Kunde: customer } }\n' +
            '  support:\n    account:\n      address: { field: billingAddress }\n',
        )
        .replace(
          '      vatNumber: { transforms: [trim, upper] }\n',
          '      vatNumber: { transforms: [trim, upper] }\n      accountType: { values: { Cliente: customer } }\n',
        );
      const applied = await reloads('applied');
      writeFileSync(file, mapped);
      await eventually(async () => expect(await reloads('applied')).toBeGreaterThan(applied));
      const address = { line1: 'Via Po 3', city: 'Torino', country: 'IT' };
      await handle(updated('crm', externalId, { accountType: 'Kunde', billingAddress: address }, t + 1000));
      expect((await api(`/v1/customers/${id}`)).body.fields).toMatchObject({
        accountType: 'customer',
        billingAddress: address,
      });
      const sent = (await db.synced(id)).filter((s) => s.changedAt === iso(t + 1000));
      const to = (target: SourceSystem) => sent.find((s) => s.target === target)?.fields;
      expect(to('erp')).toMatchObject({ accountType: 'Cliente' });
      expect(to('ecommerce')).toMatchObject({ accountType: 'customer' });
      expect(to('support')).toMatchObject({ address });
      expect(to('support')).not.toHaveProperty('billingAddress');
      // Support calls it address now: billingAddress from support is dead-lettered with the reason.
      const misnamed = updated('support', `SUP-${run}-mapping`, { billingAddress: address }, t + 1500);
      await handle(misnamed);
      const [dead] = await db.rows<{ payload: string }>(
        `SELECT payload FROM customer_sync.outbox_message WHERE topic = 'switchboard.dlq.customer-sync' AND payload LIKE $1`,
        [`%${misnamed.id}%`],
      );
      expect(JSON.parse(dead.payload)).toMatchObject({
        errorCode: 'unmapped_field',
        reason: expect.stringContaining("support names the account field billingAddress 'address'"),
      });

      // Version 6 names a transform that does not exist: refused, version 5's mapping stays in force.
      const invalid = mapped
        .replace('version: 5', 'version: 6')
        .replace(
          'accountType: { values: { Kunde: customer } }',
          'accountType: { values: { Kunde: partner }, transforms: [titlecase] }',
        );
      const refusedBefore = await reloads('refused');
      writeFileSync(file, invalid);
      await eventually(async () => expect(await reloads('refused')).toBeGreaterThan(refusedBefore));
      const other = `ACC-${run}-mapping-2`;
      await handle(
        updated(
          'crm',
          other,
          { name: 'Mappa Due Srl', email: `mapping2.${run}@example.com`, accountType: 'Kunde' },
          t,
        ),
      );
      const otherId = (await db.customerIdByRef('crm', 'account', other))!;
      expect((await api(`/v1/customers/${otherId}`)).body.fields.accountType).toBe('customer');

      // The CLI names the bad mapping with its line.
      const line = invalid.split('\n').findIndex((l) => l.includes('titlecase')) + 1;
      const refused = await cli(file).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
      expect(refused?.code).toBe(1);
      expect(refused?.stderr).toContain(
        `- mappings.crm.account.accountType.transforms.0 (line ${line}): unknown transform "titlecase"`,
      );
    });
  });
});
