/* eslint-disable @typescript-eslint/no-explicit-any -- customer-sync's API answers are untyped JSON here */
// Issue 7: customer_updated both ways with the real Tryton. CRM-owned fields reach the Tryton party
// (customer-sync -> customer_synced -> erp-orders -> party.party), ERP-owned fields come back from it
// (the pollers service's Tryton parties job -> ingest -> customer-sync), without an echo loop, refusing what the
// ERP does not own, and applying each customer_synced version once. Real Kafka, PostgreSQL and
// Tryton (deploy/real-systems.sh); Tryton is read and changed through its own JSON-RPC.
import { join } from 'node:path';

import { Client } from 'pg';

import {
  buildCloudEvent,
  nameBasedUuid,
  topicOf,
  type CloudEvent,
  type CustomerSyncedV1,
} from '@switchboard/contracts';
import { TrytonParties, type TrytonClient } from '@switchboard/connectors';
import { IngestClient } from '@switchboard/ingest-client';
import { consumerGroupOf } from '@switchboard/platform';
import { LocalCluster, eventually, sampleDeal } from '@switchboard/testing';

import { ALL_SERVICES } from '../../scripts/provision-all';
import { TrytonPartiesJob } from '../../services/pollers/src/jobs/tryton-parties.job';
import type { PassResult } from '../../services/pollers/src/jobs/poller-job';
import { API_TOKENS, Sources, readSyncApi } from '../customer-sync/support';
import { ROOT, ingestClient, readApiHeaders, testEnv } from '../support/cluster';
import { startGroupAtEnd } from '../support/kafka';
import { uniqueName } from '../support/stack';
import { freshDatabaseUrl, realSystemsEnv, trytonReader } from './support';

jest.setTimeout(10 * 60_000);

/**
 * ingest, erp-orders and customer-sync on their own database and ports, with consumer groups that
 * start at the end of the shared topics. The deal_won topic is shared with every other run on this
 * broker (a benchmark may be sending a thousand deals to the same Tryton right now): this erp-orders
 * must not turn those into a second Tryton sale, nor publish sales_order_created for them, so its
 * catalogue maps only `sku`; other deals are refused before any Tryton call.
 */
async function startSyncCluster(options: {
  suite: string;
  database: string;
  basePort: number;
  sku: string;
  env?: NodeJS.ProcessEnv;
}): Promise<{ cluster: LocalCluster; db: Client; env: NodeJS.ProcessEnv }> {
  const groupPrefix = uniqueName(`test-${options.suite}`);
  const env = testEnv({
    ...options.env,
    DATABASE_URL: await freshDatabaseUrl(options.database),
    KAFKA_GROUP_PREFIX: groupPrefix,
    CUSTOMER_SYNC_API_TOKENS: API_TOKENS,
    CUSTOMER_SYNC_OWNERSHIP_FILE: join(ROOT, 'deploy/ownership.yaml'),
  });
  const cluster = new LocalCluster({
    root: ROOT,
    env,
    basePort: options.basePort,
    withCustomerSync: true,
    logs: { dir: join(ROOT, '.stack/test-logs', options.suite) },
    afterProvision: async () => {
      for (const definition of ALL_SERVICES.filter((s) => ['erp-orders', 'customer-sync'].includes(s.name))) {
        for (const type of definition.consumes) {
          await startGroupAtEnd(consumerGroupOf(definition, groupPrefix), topicOf(type));
        }
      }
    },
  });
  await cluster.provision();
  const db = new Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  await db.query('DELETE FROM erp_orders.item_mapping');
  await db.query(
    `INSERT INTO erp_orders.item_mapping (crm_product_id, item_code, description) VALUES ($1, 'ITM-1001', 'Sync test item')`,
    [options.sku],
  );
  const { services } = cluster;
  const needed = [services.ingest, services['erp-orders'], services['customer-sync']!];
  for (const service of needed) service.start();
  await Promise.all(needed.map((service) => service.waitReady()));
  return { cluster, db, env };
}

/** Waits until erp-orders (its inbox) has handled these events. */
async function erpHandled(db: Client, eventIds: string[]): Promise<void> {
  await eventually(
    async () => {
      const { rowCount } = await db.query('SELECT 1 FROM erp_orders.inbox_message WHERE id = ANY($1)', [
        eventIds,
      ]);
      if (rowCount !== eventIds.length) throw new Error(`${rowCount} of ${eventIds.length} handled`);
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
}

interface Mechanism {
  id: number;
  type: string;
  value: string;
  write_date: unknown;
}

describe('customer master data both ways with Tryton', () => {
  let cluster: LocalCluster;
  let tryton: TrytonClient;
  let db: Client;
  let sources: Sources;
  let partiesJob: TrytonPartiesJob;
  /** The job's checkpoint, kept as the service keeps it: moved after each completed pass. */
  let checkpoint: string | null = null;
  const pollOnce = async (): Promise<PassResult> => {
    const result = await partiesJob.pass({ checkpoint, stillLeading: () => true });
    checkpoint = result.checkpoint;
    return result;
  };
  let metricsBase: string;
  const run = uniqueName('SYNC');
  const account = `ACC-${run}`;
  // A product of this run only: erp-orders here maps nothing else (see beforeAll).
  const sku = `SKU-${run}`;
  let customerId: string;
  let partyId: number;

  beforeAll(async () => {
    const env = realSystemsEnv();
    // Ports of its own: deal-won-real-systems (4700) may run beside it.
    process.env.TEST_BASE_PORT ??= '4900';
    let serviceEnv: NodeJS.ProcessEnv;
    ({
      cluster,
      db,
      env: serviceEnv,
    } = await startSyncCluster({
      suite: 'real-systems-customer-sync',
      database: 'switchboard_test_real_sync',
      basePort: Number(process.env.TEST_BASE_PORT),
      sku,
      env,
    }));
    const { services } = cluster;

    tryton = trytonReader(env);
    sources = new Sources();
    await sources.connect();
    partiesJob = new TrytonPartiesJob({
      parties: new TrytonParties(trytonReader(env)),
      ingest: new IngestClient(cluster.url('ingest'), {
        erp: /(?:^|,)erp=([^,]+)/.exec(serviceEnv.INGEST_SOURCE_SECRETS ?? '')![1],
      }),
      intervalMs: 30_000,
      overlapSeconds: 60,
      // Everything this run changes in Tryton happens after this.
      startAt: new Date(Date.now() - 5_000).toISOString(),
    });
    metricsBase = services['erp-orders'].url;
  });

  afterAll(async () => {
    await sources?.disconnect();
    await cluster?.stop();
    await db?.end();
  });

  const syncApi = (path: string) => readSyncApi(cluster.services['customer-sync']!.url, path);

  const canonical = (): Promise<any> => syncApi(`/v1/customers/${customerId}`);

  /** customer_synced events customer-sync wrote for the customer (its outbox is what gets published). */
  const syncedTo = async (target: string): Promise<CustomerSyncedV1[]> => {
    const { rows } = await db.query<{ payload: string }>(
      `SELECT payload FROM customer_sync.outbox_message
       WHERE event_type = 'customer_synced' AND message_key = $1 ORDER BY position`,
      [customerId],
    );
    return rows
      .map((row) => (JSON.parse(row.payload) as CloudEvent<'customer_synced'>).data)
      .filter((data) => data.target === target);
  };

  const mechanisms = (type: string): Promise<Mechanism[]> =>
    tryton.model<Mechanism[]>(
      'party.contact_mechanism',
      'search_read',
      [
        ['party', '=', partyId],
        ['type', '=', type],
      ],
      0,
      null,
      [['id', 'ASC']],
      ['type', 'value', 'write_date'],
    );

  /** Polls Tryton once and waits until customer-sync handled what the poll posted for this party. */
  const pollAndWait = async (): Promise<{ id: string; duplicate: boolean; eventId: string }> => {
    const { events } = await pollOnce();
    // Other parties may change in the same Tryton meanwhile (other runs): this run looks at its own.
    const own = events.filter((event) => event.key === String(partyId)).pop();
    if (!own) throw new Error(`the poll posted nothing for party ${partyId}`);
    const eventId = nameBasedUuid('switchboard.ingest', `erp/${own.id}`);
    await eventually(
      async () => {
        const { rowCount } = await db.query('SELECT 1 FROM customer_sync.inbox_message WHERE id = $1', [
          eventId,
        ]);
        if (!rowCount) throw new Error(`customer-sync has not handled ${own.id} yet`);
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    return { ...own, eventId };
  };

  /** A counter of a service's /metrics (0 while the series does not exist). */
  const metric = async (baseUrl: string, name: string, label: string): Promise<number> => {
    const text = await (await fetch(`${baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  const erpMetric = (outcome: string): Promise<number> =>
    metric(metricsBase, 'switchboard_erp_customer_sync_events_total', `outcome="${outcome}"`);
  const echoes = (): Promise<number> =>
    metric(cluster.services['customer-sync']!.url, 'customer_sync_outcomes_total', 'outcome="echoes"');

  it('links the party erp-orders creates for a won deal under its code, the id the poller uses', async () => {
    const deal = sampleDeal({
      dealId: run,
      // A VAT number of this run: customer-sync matches accounts by VAT number, and every other
      // run's sample deals on this shared broker carry the same default one.
      account: {
        crmAccountId: account,
        name: 'Nordlicht Handels GmbH',
        vatNumber: `DE${String(Date.now()).slice(-9)}`,
      },
      lines: [{ lineNo: 1, crmProductId: sku, description: 'Sync test', quantity: '1', unitPrice: '100.00' }],
    });
    const posted = await ingestClient(cluster).post('crm', {
      id: `evt-${run}`,
      type: 'deal_won',
      data: deal,
    });
    expect(posted.status).toBe(202);

    // sales_order_created carries the Tryton party code, so customer-sync knows the ERP record by it.
    const linked = await eventually(
      async () => {
        const customer: { id: string; fields: Record<string, unknown> } = await syncApi(
          `/v1/customers/by-ref/erp/account/${encodeURIComponent(account)}`,
        );
        if (customer.fields.accountType !== 'customer') throw new Error('not promoted yet');
        return customer;
      },
      { timeoutMs: 180_000, intervalMs: 1_000 },
    );
    customerId = linked.id;
    const [party] = await tryton.model<Array<{ id: number; name: string }>>(
      'party.party',
      'search_read',
      [['code', '=', account]],
      0,
      null,
      null,
      ['name'],
    );
    expect(party).toMatchObject({ name: 'Nordlicht Handels GmbH' });
    partyId = party.id;
    // The promotion sends the ERP every field it receives; erp-orders applied that version.
    await eventually(
      async () => {
        const { rows } = await db.query<{ applied_version: number; erp_customer_number: string }>(
          'SELECT applied_version, erp_customer_number FROM erp_orders.customer_sync_state WHERE customer_id = $1',
          [customerId],
        );
        expect(rows[0]?.erp_customer_number).toBe(account);
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
  });

  let phone: string;
  let phoneSync: CustomerSyncedV1;

  it('(a) a CRM phone change reaches the Tryton party as its phone', async () => {
    phone = `+49 30 ${Date.now() % 10_000_000}`;
    const posted = await ingestClient(cluster).post('crm', {
      id: `evt-${run}-phone`,
      type: 'customer_updated',
      data: {
        system: 'crm',
        entity: 'account',
        externalId: account,
        changedAt: new Date().toISOString(),
        fields: { phone },
      },
    });
    expect(posted.status).toBe(202);
    const [mechanism] = await eventually(
      async () => {
        const found = await mechanisms('phone');
        if (found.length === 0) throw new Error('no phone on the party yet');
        return found;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(mechanism.value).toBe(phone);
    phoneSync = (await syncedTo('erp')).find((sync) => sync.fields.phone === phone)!;
    expect(phoneSync).toMatchObject({ target: 'erp', targetExternalId: account, action: 'upsert' });
  });

  it('(c) polling the party back after (a) is an echo: nothing new is published to the CRM', async () => {
    const before = await canonical();
    const toCrm = (await syncedTo('crm')).length;
    const echoesBefore = await echoes();
    const first = await pollAndWait();
    expect(first.duplicate).toBe(false);
    // The phone the ERP got from customer-sync came back: recognised as an echo and dropped.
    expect(await echoes()).toBeGreaterThanOrEqual(echoesBefore + 1);
    const after = await canonical();
    expect(after.version).toBe(before.version);
    expect(after.fields.phone).toBe(phone);
    expect(await syncedTo('crm')).toHaveLength(toCrm);
    const audit: any[] = await syncApi(`/v1/customers/${customerId}/audit`);
    expect(audit.filter((entry) => entry.sourceSystem === 'erp')).toEqual([]);
    // Polled again unchanged: the same source event id, a duplicate for ingest.
    const second = await pollOnce();
    expect(second.events.filter((event) => event.key === String(partyId))).toEqual([
      { key: String(partyId), id: first.id, duplicate: true },
    ]);
  });

  it('(b) a VAT number and address changed in Tryton reach the canonical customer and the CRM', async () => {
    const [germany] = await tryton.model<number[]>('country.country', 'search', [['code', '=', 'DE']]);
    // Tryton ships without countries (docs/real-systems.md); the address needs one for the contract.
    const country =
      germany ??
      (await tryton.model<number[]>('country.country', 'create', [{ name: 'Germany', code: 'DE' }]))[0];
    const [{ addresses }] = await tryton.model<Array<{ addresses: number[] }>>(
      'party.party',
      'read',
      [partyId],
      ['addresses'],
    );
    await tryton.model('party.party', 'write', [partyId], {
      identifiers: [['create', [{ type: 'eu_vat', code: 'DE811569869' }]]],
      addresses: [
        [
          'write',
          [addresses[0]],
          { street: 'Speicherstadt 7\nBlock B', city: 'Hamburg', postal_code: '20457', country },
        ],
      ],
    });
    const toCrm = (await syncedTo('crm')).length;
    await pollAndWait();
    const customer = await canonical();
    expect(customer.fields).toMatchObject({
      vatNumber: 'DE811569869',
      billingAddress: {
        line1: 'Speicherstadt 7',
        line2: 'Block B',
        city: 'Hamburg',
        postalCode: '20457',
        country: 'DE',
      },
      phone,
    });
    const sent = (await syncedTo('crm')).slice(toCrm);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      target: 'crm',
      targetExternalId: account,
      origin: { system: 'erp' },
      fields: { vatNumber: 'DE811569869', billingAddress: { city: 'Hamburg' } },
    });
    // The ERP's own values do not go back to the ERP.
    expect((await syncedTo('erp')).filter((sync) => sync.origin.system === 'erp')).toEqual([]);
  });

  it('(d) an e-mail changed in Tryton is refused: the CRM owns it', async () => {
    const before = await canonical();
    const [email] = await mechanisms('email');
    await tryton.model('party.contact_mechanism', 'write', [email.id], {
      value: `erp-${run.toLowerCase()}@example.com`,
    });
    const { eventId } = await pollAndWait();
    const refused: any[] = await syncApi(`/v1/customers/${customerId}/refused-changes`);
    expect(refused.filter((change) => change.eventId === eventId)).toEqual([
      expect.objectContaining({
        system: 'erp',
        field: 'email',
        reason: 'not_owner',
        value: `erp-${run.toLowerCase()}@example.com`,
      }),
    ]);
    const after = await canonical();
    expect(after.fields.email).toBe(before.fields.email);
    expect(after.version).toBe(before.version);
  });

  it('(e) a replayed or out-of-order customer_synced writes nothing to Tryton twice', async () => {
    const phonesBefore = await mechanisms('phone');
    const [partyBefore] = await tryton.model<Array<{ write_date: unknown }>>(
      'party.party',
      'read',
      [partyId],
      ['write_date'],
    );
    const staleBefore = await erpMetric('stale');
    const appliedState = () =>
      db.query(
        'SELECT applied_version, event_id, applied_at FROM erp_orders.customer_sync_state WHERE customer_id = $1',
        [customerId],
      );
    const stateBefore = (await appliedState()).rows;
    expect(stateBefore).toEqual([expect.objectContaining({ applied_version: phoneSync.version })]);
    const replayed = buildCloudEvent({
      id: nameBasedUuid('switchboard.test', `${run}/replay`),
      source: 'switchboard/customer-sync',
      type: 'customer_synced',
      // The phone event's version again, with another value: what a replay of an older event under a
      // new id, or a delivery overtaken by a newer version, looks like.
      data: { ...phoneSync, fields: { phone: '+49 000 0000' } },
    });
    const older = buildCloudEvent({
      id: nameBasedUuid('switchboard.test', `${run}/older`),
      source: 'switchboard/customer-sync',
      type: 'customer_synced',
      data: { ...phoneSync, version: 1, fields: { phone: '+49 111 1111', name: 'Old Name' } },
    });
    await sources.publish([replayed, older, replayed]);
    await erpHandled(db, [replayed.id, older.id]);
    // The same event id twice is the inbox's duplicate; neither version is newer than the applied
    // one, so both were counted stale and nothing was applied. (At least 2: this erp-orders also sees
    // whatever other runs on the shared broker make this customer-sync publish.)
    expect(await erpMetric('stale')).toBeGreaterThanOrEqual(staleBefore + 2);
    expect((await appliedState()).rows).toEqual(stateBefore);
    const phonesAfter = await mechanisms('phone');
    const [partyAfter] = await tryton.model<Array<{ write_date: unknown; name: string }>>(
      'party.party',
      'read',
      [partyId],
      ['write_date', 'name'],
    );
    expect(phonesAfter).toEqual(phonesBefore);
    expect(partyAfter.write_date).toEqual(partyBefore.write_date);
    expect(partyAfter.name).toBe('Nordlicht Handels GmbH');
  });

  it('applies only customer_synced for the ERP; other targets are skipped, not errors', async () => {
    const skippedBefore = await erpMetric('skipped_other_target');
    const forCrm = buildCloudEvent({
      id: nameBasedUuid('switchboard.test', `${run}/crm`),
      source: 'switchboard/customer-sync',
      type: 'customer_synced',
      data: {
        ...phoneSync,
        target: 'crm',
        version: phoneSync.version + 100,
        fields: { phone: '+49 222 2222' },
      },
    });
    await sources.publish([forCrm]);
    await erpHandled(db, [forCrm.id]);
    // At least: this customer-sync also publishes for the other targets of whatever else it handles.
    expect(await erpMetric('skipped_other_target')).toBeGreaterThanOrEqual(skippedBefore + 1);
    // Every phone on the party is still the CRM's. (Not "exactly one": an erp-orders of another run on
    // this shared broker, with a consumer group of its own, may apply the same customer_synced to
    // this Tryton at the same moment and add its own copy.)
    expect(new Set((await mechanisms('phone')).map((m) => m.value))).toEqual(new Set([phone]));
    const { rows } = await db.query('SELECT 1 FROM erp_orders.outbox_message WHERE payload::text LIKE $1', [
      `%${forCrm.id}%`,
    ]);
    expect(rows).toEqual([]);
  });
});

// The same use case with DOWNSTREAM_MODE=builtin: erp-orders' own erp_customer is the ERP.
describe('customer_synced into erp-orders own tables (builtin mode)', () => {
  let cluster: LocalCluster;
  let db: Client;
  const run = uniqueName('SYNCB');
  const account = `ACC-${run}`;

  beforeAll(async () => {
    ({ cluster, db } = await startSyncCluster({
      suite: 'customer-sync-builtin',
      database: 'switchboard_test_sync_builtin',
      // Above the Tryton suite's ports.
      basePort: Number(process.env.TEST_BASE_PORT ?? 4900) + 50,
      sku: `SKU-${run}`,
    }));
  });

  afterAll(async () => {
    await cluster?.stop();
    await db?.end();
  });

  interface ErpCustomerRow {
    customer_number: string;
    name: string;
    email: string | null;
    phone: string | null;
    active: boolean;
  }

  const erpCustomer = async (): Promise<ErpCustomerRow | undefined> =>
    (
      await db.query<ErpCustomerRow>(
        'SELECT customer_number, name, email, phone, active FROM erp_orders.erp_customer WHERE crm_account_id = $1',
        [account],
      )
    ).rows[0];

  const crmUpdate = (id: string, fields: Record<string, unknown>) =>
    ingestClient(cluster).post('crm', {
      id,
      type: 'customer_updated',
      data: {
        system: 'crm',
        entity: 'account',
        externalId: account,
        changedAt: new Date().toISOString(),
        fields,
      },
    });

  it('creates the ERP customer a CRM customer is new to, updates it, and ignores an older version', async () => {
    const created = await crmUpdate(`evt-${run}-1`, {
      name: 'Fjordline AS',
      email: `ap+${run.toLowerCase()}@example.com`,
      phone: '+47 22 00 00 01',
      accountType: 'customer',
      vatNumber: `NO${String(Date.now()).slice(-9)}`,
    });
    expect(created.status).toBe(202);
    const customer = await eventually(
      async () => {
        const row = await erpCustomer();
        if (!row) throw new Error('no ERP customer yet');
        return row;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(customer).toEqual({
      customer_number: expect.stringMatching(/^C\d{8}$/),
      name: 'Fjordline AS',
      email: `ap+${run.toLowerCase()}@example.com`,
      phone: '+47 22 00 00 01',
      active: true,
    });

    expect((await crmUpdate(`evt-${run}-2`, { phone: '+47 22 00 00 02' })).status).toBe(202);
    await eventually(
      async () => {
        expect(await erpCustomer()).toMatchObject({ phone: '+47 22 00 00 02' });
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );

    // The first customer_synced again under a new id (a replay): its version is older, nothing changes.
    const { rows } = await db.query<{ customer_id: string; applied_version: number }>(
      'SELECT customer_id, applied_version FROM erp_orders.customer_sync_state WHERE erp_customer_number = $1',
      [customer.customer_number],
    );
    expect(rows).toHaveLength(1);
    const replay = buildCloudEvent({
      id: nameBasedUuid('switchboard.test', `${run}/replay`),
      source: 'switchboard/customer-sync',
      type: 'customer_synced',
      data: {
        customerId: rows[0].customer_id,
        entity: 'account',
        target: 'erp',
        targetExternalId: null,
        action: 'upsert',
        version: rows[0].applied_version - 1,
        changedAt: new Date().toISOString(),
        origin: { system: 'crm', eventId: null, actor: 'system:crm' },
        fields: { phone: '+47 22 00 00 01' },
        crossReferences: [{ system: 'crm', externalId: account }],
      },
    });
    const sources = new Sources();
    await sources.connect();
    try {
      await sources.publish([replay]);
    } finally {
      await sources.disconnect();
    }
    await erpHandled(db, [replay.id]);
    expect(await erpCustomer()).toMatchObject({ phone: '+47 22 00 00 02' });
  });

  it('keeps erp-orders numbering its customers C + 8 digits for won deals in builtin mode', async () => {
    const dealId = `${run}-deal`;
    const deal = sampleDeal({
      dealId,
      account: { crmAccountId: `ACC-${dealId}`, vatNumber: `NO${String(Date.now()).slice(-9)}` },
      lines: [{ lineNo: 1, crmProductId: `SKU-${run}`, quantity: '1', unitPrice: '10.00' }],
    });
    expect(
      (await ingestClient(cluster).post('crm', { id: `evt-${dealId}`, type: 'deal_won', data: deal })).status,
    ).toBe(202);
    const order = await eventually(
      async () => {
        const response = await fetch(`${cluster.url('erp-orders')}/v1/sales-orders/by-deal/${dealId}`, {
          headers: readApiHeaders(),
        });
        if (!response.ok) throw new Error(`no sales order yet (${response.status})`);
        return (await response.json()) as { erpCustomerNumber: string };
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(order.erpCustomerNumber).toMatch(/^C\d{8}$/);
  });
});
