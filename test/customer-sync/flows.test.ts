/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument -- API answers are untyped JSON here */
// customer-sync flows beyond one record: echo loops, failures and recovery, prospect promotion,
// finance and support signals, and the per-window sync reports sent to a webhook.
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Topic, type CloudEvent, type CustomerUpdatedV1, type SourceSystem } from '@switchboard/contracts';
import { eventually, type ServiceProcess } from '@switchboard/testing';

import { faultEnv } from '../support/faults';
import {
  SYNC_PORT,
  SyncDb,
  Sources,
  TopicWatcher,
  api,
  customerSyncProcess,
  freshGroupPrefix,
  iso,
  provisionCustomerSync,
  runId,
} from './support';

// Generous: the 2-core machine is shared with other suites and developers' runs.
jest.setTimeout(420_000);

const WEBHOOK_PORT = SYNC_PORT + 1;

describe('customer-sync flows', () => {
  let service: ServiceProcess;
  let sources: Sources;
  let db: SyncDb;
  let watcher: TopicWatcher;
  let webhook: Server;
  const reports: any[] = [];
  let webhookCalls = 0;
  const run = runId();
  const T0 = Date.parse('2025-07-01T09:00:00Z');

  beforeAll(async () => {
    // The first delivery of every report fails: the service must retry it.
    webhook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        webhookCalls += 1;
        if (webhookCalls === 1) {
          response.writeHead(503).end();
          return;
        }
        reports.push(JSON.parse(body));
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(WEBHOOK_PORT, '127.0.0.1', resolve));
    await provisionCustomerSync();
    service = customerSyncProcess('customer-sync-flows', {
      KAFKA_GROUP_PREFIX: await freshGroupPrefix('flows'),
      CUSTOMER_SYNC_REPORT_WINDOW_SECONDS: '2',
      CUSTOMER_SYNC_REPORT_WEBHOOK_URL: `http://127.0.0.1:${WEBHOOK_PORT}/reports`,
    });
    service.start();
    sources = new Sources();
    db = new SyncDb();
    watcher = new TopicWatcher(Topic.customer_synced);
    await Promise.all([service.waitReady(), sources.connect(), watcher.start()]);
  });

  afterAll(async () => {
    await watcher?.stop();
    await sources?.disconnect();
    await service?.stop();
    await db?.close();
    await new Promise((resolve) => webhook?.close(resolve));
  });

  const updated = (
    system: SourceSystem,
    externalId: string,
    fields: CustomerUpdatedV1['fields'],
    extra: Partial<CustomerUpdatedV1> & { at?: number } = {},
  ): CloudEvent<'customer_updated'> => {
    const { at, ...rest } = extra;
    return sources.event('customer_updated', system, {
      system,
      entity: 'account',
      externalId,
      changedAt: iso(at ?? Date.now()),
      fields,
      ...rest,
    });
  };

  const send = async (...events: CloudEvent[]) => {
    await sources.publish(events);
    await eventually(() => db.allHandled(events.map((e) => e.id)), { timeoutMs: 240_000 });
  };

  it('no echo loop after 1,000 round trips: every change reaches the ERP once and its echo is dropped', async () => {
    const acc = `ACC-${run}-echo`;
    const erp = `C-${run}-echo`;
    // A contact of the account whose phone changes with the account's: its changes go to the address
    // book (`contacts`), which only receives; nothing of it may come back either.
    const con = `CON-${run}-echo`;
    await send(
      updated('crm', acc, { name: 'Echo GmbH', email: `echo.${run}@example.com`, phone: 'p0' }, { at: T0 }),
    );
    await send(
      updated(
        'crm',
        con,
        { name: 'Erika Echo', email: `erika.${run}@example.com`, phone: 'c0' },
        { at: T0, entity: 'contact', accountExternalId: acc },
      ),
    );
    const id = (await db.customerIdByRef('crm', 'account', acc))!;
    const contactId = (await db.customerIdByRef('crm', 'contact', con))!;

    // A naive ERP connector: applies whatever it receives and reports it back as its own change.
    let echoed = 0;
    const forwarded = new Set<string>();
    const connector = setInterval(() => {
      const fresh = watcher.messages.filter(
        (m) => m.value.data.customerId === id && m.value.data.target === 'erp' && !forwarded.has(m.value.id),
      );
      if (fresh.length === 0) return;
      for (const m of fresh) forwarded.add(m.value.id);
      echoed += fresh.length;
      void sources.publish(
        fresh.map((m) =>
          updated('erp', erp, m.value.data.fields, {
            switchboardCustomerId: id,
            at: Date.parse(m.value.data.changedAt) + 50,
          }),
        ),
      );
    }, 100);
    try {
      const changes = Array.from({ length: 1000 }, (_, i) => [
        updated('crm', acc, { phone: `p${i + 1}` }, { at: T0 + (i + 1) * 1000 }),
        updated(
          'crm',
          con,
          { phone: `c${i + 1}` },
          { at: T0 + (i + 1) * 1000, entity: 'contact', accountExternalId: acc },
        ),
      ]).flat();
      // Two produce requests: one of 2,000 events is larger than the broker takes.
      await sources.publish(changes.slice(0, 1000));
      await sources.publish(changes.slice(1000));
      await eventually(() => db.allHandled(changes.map((e) => e.id)), { timeoutMs: 240_000 });
      await eventually(
        async () => {
          expect(echoed).toBe(1001);
          expect(
            await db.count(
              `SELECT count(*) FROM customer_sync.customer_xref WHERE system = 'erp' AND external_id = $1`,
              [erp],
            ),
          ).toBe(1);
          expect(
            await db.count(
              `SELECT count(*) FROM customer_sync.sync_outbound WHERE customer_id = $1 AND target = 'erp'`,
              [id],
            ),
          ).toBe(0);
        },
        { timeoutMs: 240_000, intervalMs: 500 },
      );
    } finally {
      clearInterval(connector);
    }
    const synced = await db.synced(id);
    expect(synced.filter((s) => s.target === 'erp')).toHaveLength(1001); // the create and 1,000 changes, once each
    expect(synced.filter((s) => s.target === 'crm')).toHaveLength(0); // nothing ever went back to the CRM
    // Every system's change count is what was sent: per receiver of the phone (deploy/ownership.yaml),
    // the create and 1,000 changes, each value once and in order; the CRM, where they came from, none.
    const perTarget = (events: typeof synced) => {
      const counts: Record<string, number> = {};
      for (const event of events) counts[event.target] = (counts[event.target] ?? 0) + 1;
      return counts;
    };
    expect(perTarget(synced)).toEqual({ erp: 1001, marketing: 1001, support: 1001 });
    const contactSynced = await db.synced(contactId);
    expect(perTarget(contactSynced)).toEqual({ erp: 1001, marketing: 1001, support: 1001, contacts: 1001 });
    expect(contactSynced.filter((s) => s.target === 'contacts').map((s) => s.fields.phone)).toEqual(
      Array.from({ length: 1001 }, (_, i) => `c${i}`),
    );
    expect((await api(`/v1/customers/${contactId}`)).body.version).toBe(1001);
    const customer = (await api(`/v1/customers/${id}`)).body;
    expect(customer.fields.phone).toBe('p1000');
    expect(customer.version).toBe(1001);
    const audit = (await api(`/v1/customers/${id}/audit`)).body as Array<{
      field: string;
      sourceSystem: string;
      kind: string;
    }>;
    expect(audit.filter((a) => a.field === 'phone' && a.sourceSystem === 'crm')).toHaveLength(1001);
    expect(audit.filter((a) => a.sourceSystem === 'erp' && a.kind !== 'link')).toHaveLength(0); // only its link
  });

  it('failure, then recovery: a crash after commit and a lost process lose or double nothing', async () => {
    const accounts = Array.from({ length: 20 }, (_, i) => `ACC-${run}-net-${i}`);
    await send(...accounts.map((acc) => updated('crm', acc, { name: acc, phone: 'v0' }, { at: T0 })));
    const ids = await Promise.all(accounts.map((acc) => db.customerIdByRef('crm', 'account', acc)));
    const changes = accounts.flatMap((acc) =>
      Array.from({ length: 10 }, (_, v) =>
        updated('crm', acc, { phone: `v${v + 1}` }, { at: T0 + (v + 1) * 1000 }),
      ),
    );

    // The service crashes right after its first database commit, before the Kafka offset commit:
    // that batch is delivered again after the restart.
    await service.stop();
    const marker = join(mkdtempSync(join(tmpdir(), 'customer-sync-crash-')), 'crashed');
    service.start(faultEnv({ crashAfterCommitFile: marker }));
    await service.waitReady();
    await sources.publish(changes.slice(0, 100));
    expect((await service.waitExit()).signal).toBe('SIGKILL');
    // Back up, then cut off (SIGKILL mid-stream, no goodbye to the broker or the database) while
    // changes keep coming; the next start catches up.
    service.start();
    await service.waitReady();
    await sources.publish(changes.slice(100, 150));
    await service.kill();
    await sources.publish(changes.slice(150));
    service.start();
    await service.waitReady();
    await eventually(() => db.allHandled(changes.map((e) => e.id)), { timeoutMs: 240_000 });
    for (const id of ids) {
      const audit = (await api(`/v1/customers/${id}/audit`)).body as Array<{
        field: string;
        kind: string;
        newValue: string;
      }>;
      expect(audit.filter((a) => a.field === 'phone' && a.kind === 'change').map((a) => a.newValue)).toEqual(
        Array.from({ length: 10 }, (_, v) => `v${v + 1}`),
      );
      const toErp = (await db.synced(id!)).filter((s) => s.target === 'erp' && 'phone' in s.fields);
      expect(toErp.map((s) => s.fields.phone)).toEqual([
        'v0',
        ...Array.from({ length: 10 }, (_, v) => `v${v + 1}`),
      ]);
    }
    expect(
      await db.count(
        `SELECT count(*) FROM customer_sync.inbox_message WHERE id = ANY($1::text[]) AND status = 'dead_lettered'`,
        [changes.map((e) => e.id)],
      ),
    ).toBe(0);
  });

  // PostgreSQL terminating the service's connections mid-batch surfaces as driver errors and as
  // TypeORM's released-query-runner errors; both must be retried, never dead-lettered.
  it('database connections cut mid-stream: every change still applied exactly once', async () => {
    const acc = `ACC-${run}-cut`;
    await send(updated('crm', acc, { name: acc, phone: 'v0' }, { at: T0 }));
    const changes = Array.from({ length: 200 }, (_, v) =>
      updated('crm', acc, { phone: `v${v + 1}` }, { at: T0 + (v + 1) * 1000 }),
    );
    await sources.publish(changes);
    for (let cut = 0; cut < 3; cut++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await db.rows(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'customer-sync' AND pid <> pg_backend_pid()`,
      );
    }
    await eventually(() => db.allHandled(changes.map((e) => e.id)), { timeoutMs: 240_000 });
    const id = await db.customerIdByRef('crm', 'account', acc);
    const audit = (await api(`/v1/customers/${id}/audit`)).body as Array<{ kind: string }>;
    expect(audit.filter((a) => a.kind === 'change')).toHaveLength(200);
  });

  it('prospect promotion: the ERP customer from erp-orders becomes the cross-reference, whichever event comes first', async () => {
    for (const order of ['deal first', 'order first'] as const) {
      const deal = `D-${run}-${order.split(' ')[0]}`;
      const acc = `ACC-${deal}`;
      const erpNumber = `C9${run}-${order.split(' ')[0]}`;
      const won = sources.event('deal_won', 'crm', {
        dealId: deal,
        account: {
          crmAccountId: acc,
          name: `Prospect ${order}`,
          email: `${deal.toLowerCase()}@example.com`,
          isProspect: true,
        },
        contact: {
          crmContactId: `CON-${deal}`,
          email: `anna.${deal.toLowerCase()}@example.com`,
          firstName: 'Anna',
          lastName: 'Prospect',
        },
        owner: { crmUserId: 'U-1' },
        closeDate: '2025-07-01',
        currency: 'EUR',
        lines: [{ lineNo: 1, crmProductId: 'SKU-001', quantity: '1', unitPrice: '10.00' }],
        taxRatePercent: '19',
      });
      const ordered = sources.event('sales_order_created', 'erp', {
        dealId: deal,
        orderNumber: `SO-${deal}`,
        erpCustomerNumber: erpNumber,
        customerCreated: true,
        currency: 'EUR',
        netTotal: '10.00',
        lines: [
          {
            lineNo: 1,
            itemCode: 'ITM-1001',
            quantity: '1',
            unitPrice: '10.00',
            discountPercent: '0',
            lineTotal: '10.00',
          },
        ],
      });
      if (order === 'deal first') {
        await send(won);
        await send(ordered);
      } else {
        await send(ordered);
        await send(won);
      }
      const id = await db.customerIdByRef('crm', 'account', acc);
      expect(await db.customerIdByRef('erp', 'account', erpNumber)).toBe(id);
      const customer = (await api(`/v1/customers/${id}`)).body;
      expect(customer.fields.accountType).toBe('customer');
      expect(customer.contacts).toEqual([
        expect.objectContaining({ fields: expect.objectContaining({ name: 'Anna Prospect' }) }),
      ]);
      const toErp = (await db.synced(id!)).filter((s) => s.target === 'erp');
      // Never a "create" for the ERP (erp-orders did that once): only the update of the record it has.
      expect(toErp.map((s) => [s.targetExternalId, s.reason])).toEqual([[erpNumber, 'promotion']]);
      expect(toErp[0].fields).toMatchObject({ name: `Prospect ${order}`, accountType: 'customer' });
    }
  });

  it('invoice_paid updates the CRM payment status and moves the contact to paying customers; ticket_escalated alerts the account owner', async () => {
    const acc = `ACC-${run}-fin`;
    await send(
      updated('crm', acc, { name: 'Pay KK', email: `pay.${run}@example.com`, accountOwner: 'Sam Seller' }),
    );
    await send(
      updated(
        'crm',
        `CON-${run}-fin`,
        { name: 'Kenji', email: `kenji.${run}@example.com` },
        { entity: 'contact', accountExternalId: acc },
      ),
    );
    const id = (await db.customerIdByRef('crm', 'account', acc))!;
    const contactId = (await db.customerIdByRef('crm', 'contact', `CON-${run}-fin`))!;
    await send(
      sources.event('invoice_paid', 'finance', {
        invoiceNumber: `INV-${run}`,
        crmAccountId: acc,
        amount: { currency: 'JPY', amount: '1500' },
        paidAt: '2025-07-02T10:00:00+09:00',
      }),
    );
    const paid = (await api(`/v1/customers/${id}`)).body.fields;
    expect(paid).toMatchObject({
      paymentStatus: 'paid',
      lastInvoiceNumber: `INV-${run}`,
      lastPaymentAt: '2025-07-02T01:00:00.000Z',
      lastPaymentAmount: { currency: 'JPY', amount: '1500' },
    });
    const toCrm = (await db.synced(id)).filter((s) => s.target === 'crm');
    expect(toCrm.at(-1)).toMatchObject({
      targetExternalId: acc,
      origin: { system: 'finance' },
      fields: { paymentStatus: 'paid', lastPaymentAmount: { currency: 'JPY', amount: '1500' } },
    });
    expect((await db.synced(contactId)).filter((s) => s.target === 'marketing').at(-1)).toMatchObject({
      entity: 'contact',
      reason: 'invoice_paid',
      fields: { segment: 'paying-customers', email: `kenji.${run}@example.com` },
    });

    const escalate = (crmAccountId: string) =>
      sources.event('ticket_escalated', 'support', {
        ticketId: `T-${crmAccountId}`,
        crmAccountId,
        subject: 'Invoices not arriving',
        priority: 'urgent',
        reason: 'Threatened to cancel',
        escalatedAt: '2025-07-03T08:00:00Z',
      });
    await send(escalate(acc), escalate(`ACC-${run}-unknown`));
    const tasks = await db.rows<{ payload: string }>(
      `SELECT payload FROM customer_sync.outbox_message WHERE event_type = 'crm_task_requested' AND message_key LIKE $1 ORDER BY position`,
      [`ACC-${run}-%`],
    );
    const requested = tasks
      .map((t) => JSON.parse(t.payload).data)
      .sort((a, b) => a.crmAccountId.localeCompare(b.crmAccountId));
    expect(requested).toEqual([
      expect.objectContaining({
        crmAccountId: acc,
        assignee: 'Sam Seller',
        assignedToDefaultOwner: false,
        priority: 'urgent',
        customerId: id,
      }),
      expect.objectContaining({
        crmAccountId: `ACC-${run}-unknown`,
        assignee: 'crm-default-owner',
        assignedToDefaultOwner: true,
      }),
    ]);
    expect((await db.synced(contactId)).filter((s) => s.target === 'marketing').at(-1)).toMatchObject({
      reason: 'ticket_escalated',
      fields: { segment: 'at-risk' },
    });
  });

  it('a report per run window, in the initial-load shape, is delivered to the webhook (retried after a failure)', async () => {
    // (Unsent reports of earlier runs in this database may be delivered too: only windows count here.)
    const windows = () => reports.filter((r) => r.kind === 'incremental');
    await eventually(
      () => {
        expect(webhookCalls).toBeGreaterThan(1);
        expect(windows().length).toBeGreaterThan(0);
      },
      { timeoutMs: 30_000 },
    );
    for (const report of windows()) {
      expect(report).toMatchObject({
        kind: 'incremental',
        service: 'customer-sync',
        windowStart: expect.any(String),
      });
      expect(Object.keys(report.counts)).toEqual(
        expect.arrayContaining(['created', 'updated', 'unchanged', 'conflicts', 'failed']),
      );
    }
    const totals = windows().reduce((sum, r) => sum + r.counts.created + r.counts.updated, 0);
    expect(totals).toBeGreaterThan(0);
    // Whichever report met the failing call was retried and delivered.
    const listed = (await api('/v1/sync-reports')).body as Array<{
      sentAt: string | null;
      sendAttempts: number;
    }>;
    expect(listed.some((r) => r.sentAt !== null && r.sendAttempts >= 2)).toBe(true);
  });
});
