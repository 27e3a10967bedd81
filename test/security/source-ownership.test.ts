// Against the real ingest, broker and database: a source that holds only
// its own secret cannot write as another system (four abuses), and a timestamp in the future
// cannot pin a field, neither through ingest nor through an event that reached Kafka another way.
import { randomUUID } from 'node:crypto';

import type { CloudEvent, CustomerUpdatedV1, SourceSystem } from '@switchboard/contracts';
import { eventually, type IngestClient, type ServiceProcess } from '@switchboard/testing';

import {
  SyncDb,
  Sources,
  api,
  customerSyncProcess,
  freshGroupPrefix,
  iso,
  provisionCustomerSync,
  runId,
} from '../customer-sync/support';
import { testEnv } from '../support/cluster';
import { SECURITY_BASE_PORT, ingestAt, provisionService, serviceProcess } from './support';

jest.setTimeout(240_000);

describe('a source speaks only for itself; no timestamp from the future', () => {
  let ingest: ServiceProcess;
  let client: IngestClient;
  let sync: ServiceProcess;
  let sources: Sources;
  let db: SyncDb;
  const run = runId();

  beforeAll(async () => {
    await provisionService('ingest', testEnv());
    await provisionCustomerSync();
    ingest = serviceProcess('ingest', 'security-ownership', SECURITY_BASE_PORT);
    ingest.start();
    sync = customerSyncProcess('security-ownership', {
      KAFKA_GROUP_PREFIX: await freshGroupPrefix('security-ownership'),
    });
    sync.start();
    client = ingestAt(ingest.url);
    sources = new Sources();
    db = new SyncDb();
    await Promise.all([ingest.waitReady(), sync.waitReady(), sources.connect()]);
  });

  afterAll(async () => {
    await sources?.disconnect();
    await Promise.all([ingest?.stop(), sync?.stop()]);
    await db?.close();
  });

  const update = (
    source: SourceSystem,
    data: Partial<CustomerUpdatedV1> & { externalId: string },
  ): CloudEvent<'customer_updated'> =>
    sources.event('customer_updated', source, {
      system: source,
      entity: 'account',
      changedAt: iso(Date.now()),
      fields: {},
      ...data,
    });

  const send = async (...events: CloudEvent[]) => {
    await sources.publish(events);
    await eventually(() => db.allHandled(events.map((e) => e.id)), { timeoutMs: 120_000 });
  };

  const status = async (eventId: string) =>
    (
      await db.rows<{ status: string }>(`SELECT status FROM customer_sync.inbox_message WHERE id = $1`, [
        eventId,
      ])
    )[0]?.status;

  /** A CRM account with a second CRM account to merge into; returns the customer's view. */
  const crmAccount = async (suffix: string) => {
    const acc = `SEC-${run}-${suffix}`;
    await send(
      update('crm', {
        externalId: acc,
        fields: {
          name: `Victim ${suffix}`,
          email: `victim.${suffix}.${run}@example.com`,
          accountType: 'customer',
        },
      }),
    );
    const id = await db.customerIdByRef('crm', 'account', acc);
    return { acc, id: id!, view: (await api(`/v1/customers/${id}`)).body };
  };

  const abuses: Array<[string, (acc: string) => Partial<CustomerUpdatedV1>]> = [
    [
      'overwrite CRM-owned fields',
      () => ({ fields: { name: 'Owned by marketing', email: 'evil@example.com' } }),
    ],
    ['delete the record (deleted: true)', () => ({ deleted: true })],
    ['merge it away (mergedIntoExternalId)', () => ({ deleted: true, mergedIntoExternalId: `OTHER-${run}` })],
    ['link by customer id (switchboardCustomerId)', () => ({ switchboardCustomerId: randomUUID() })],
  ];

  it.each(abuses)(
    'ingest refuses marketing posting as the CRM to %s: 403 system_mismatch',
    async (_, abuse) => {
      const result = await client.post('marketing', {
        id: randomUUID(),
        type: 'customer_updated',
        data: {
          system: 'crm',
          entity: 'account',
          externalId: `SEC-${run}-x`,
          changedAt: iso(Date.now()),
          fields: {},
          ...abuse('x'),
        },
      });
      expect(result.status).toBe(403);
      expect(result.body).toMatchObject({
        error: { code: 'system_mismatch', fields: [{ field: 'data.system' }] },
      });
    },
  );

  it('the same payload with its own system is accepted (202): only the lie is refused', async () => {
    const result = await client.post('marketing', {
      id: randomUUID(),
      type: 'customer_updated',
      data: {
        system: 'marketing',
        entity: 'account',
        externalId: `SEC-${run}-own`,
        changedAt: iso(Date.now()),
        fields: { leadScore: 10 },
      },
    });
    expect(result.status).toBe(202);
  });

  it('customer-sync dead-letters an event from marketing naming the CRM (reached Kafka without ingest): owned fields, delete and merge do nothing', async () => {
    const victim = await crmAccount('a');
    const other = await crmAccount('b');
    const events = [
      update('marketing', { system: 'crm', externalId: victim.acc, fields: { name: 'Owned by marketing' } }),
      update('marketing', { system: 'crm', externalId: victim.acc, deleted: true }),
      update('marketing', {
        system: 'crm',
        externalId: victim.acc,
        deleted: true,
        mergedIntoExternalId: other.acc,
      }),
    ];
    await send(...events);
    for (const event of events) expect(await status(event.id)).toBe('dead_lettered');
    const after = (await api(`/v1/customers/${victim.id}`)).body;
    expect(after).toMatchObject({ status: 'active', mergedInto: null, fields: { name: 'Victim a' } });
    expect((await api(`/v1/customers/${other.id}`)).body).toMatchObject({ status: 'active' });
  });

  it('a switchboardCustomerId links only a customer already sent to that system', async () => {
    const victim = await crmAccount('c');
    // The CRM account went to erp, marketing and support, never to finance: finance cannot claim it.
    expect(victim.view.syncedTargets).not.toContain('finance');
    const guess = update('finance', {
      externalId: `FIN-${run}-c`,
      fields: { name: 'Finance guess', email: `finance.${run}@example.com` },
      switchboardCustomerId: victim.id,
    });
    await send(guess);
    expect(await db.customerIdByRef('finance', 'account', `FIN-${run}-c`)).not.toBe(victim.id);
    const refusals = await db.rows<{ reason: string }>(
      `SELECT reason FROM customer_sync.refused_change WHERE event_id = $1`,
      [guess.id],
    );
    expect(refusals.map((r) => r.reason)).toContain('customer_id_not_sent');

    // The ERP, which was sent the customer, still links by id (the legitimate use).
    const erp = update('erp', {
      externalId: `ERP-${run}-c`,
      fields: { name: 'Victim c' },
      switchboardCustomerId: victim.id,
    });
    await send(erp);
    expect(await db.customerIdByRef('erp', 'account', `ERP-${run}-c`)).toBe(victim.id);
  });

  it('ingest refuses a changedAt (or time) later than now plus the clock skew: 400 future_timestamp', async () => {
    const result = await client.post('crm', {
      id: randomUUID(),
      type: 'customer_updated',
      data: {
        system: 'crm',
        entity: 'account',
        externalId: `SEC-${run}-f`,
        changedAt: '9999-12-31T23:59:59Z',
        fields: { name: 'Pinned' },
      },
    });
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({
      error: { code: 'future_timestamp', fields: [{ field: 'data.changedAt' }] },
    });
  });

  it('customer-sync refuses a future changedAt that reached Kafka: the field is not pinned, the next honest change applies', async () => {
    const victim = await crmAccount('d');
    const pin = update('crm', {
      externalId: victim.acc,
      changedAt: '9999-12-31T23:59:59Z',
      fields: { phone: '+1 999' },
    });
    await send(pin);
    const refusals = await db.rows<{ reason: string }>(
      `SELECT reason FROM customer_sync.refused_change WHERE event_id = $1`,
      [pin.id],
    );
    expect(refusals.map((r) => r.reason)).toEqual(['future_timestamp']);
    await send(update('crm', { externalId: victim.acc, fields: { phone: '+1 555' } }));
    expect((await api(`/v1/customers/${victim.id}`)).body.fields.phone).toBe('+1 555');
  });
});
