// Phone numbers changed in the CRM (the Tryton `crm` database, edited through its own JSON-RPC) reach
// the ERP (the Tryton `switchboard` party) and the CardDAV address book, and nothing loops back:
// every service runs for real (ingest, customer-sync, erp-orders, crm-sync, address-book, and the
// pollers service with its `crm-parties` and `tryton-parties` jobs), against real Kafka, PostgreSQL,
// Tryton and Radicale.
//
// The path of one change: CRM phone edited -> crm-parties job -> customer_updated (crm) ->
// customer-sync -> customer_synced to `erp` (an account's phone) or `contacts` (a contact's phone)
// -> erp-orders writes the Tryton party / address-book writes the vCard. The ERP write is seen by
// the tryton-parties job, posted as customer_updated (erp), and must be dropped by customer-sync as
// an echo; the CRM gets nothing back (phone is the CRM's, no system sends it there).
//
// "Change count" of a system, counted from the end of the setup (the accounts and contacts created
// and delivered everywhere) to the end of the test:
// - CRM -> Switchboard: the customer_updated events ingest accepted from `crm` for these parties
//   (crm-party-<party id>-… source event ids, each deduplicated by ingest), and the versions the
//   canonical customers gained (one per accepted change, none for an echo);
// - ERP: the customer_synced events customer-sync published to `erp` for these customers (each one
//   write of erp-orders to the Tryton party, applied exactly once: its inbox and applied version);
// - address book: the customer_synced events published to `contacts` for these customers, each
//   applied by address-book (its applied version) and visible on the vCard;
// - back to the CRM: customer_synced addressed to `crm` for these customers, and changes customer-sync
//   accepted from `erp` (audit entries from the ERP other than the link): both must be 0.
// Each equals what the test sent: one per phone change of an account (ERP) or a contact (address book).
// Last, a contact archived in the CRM is deleted from the address book.
import { join } from 'node:path';

import { Client } from 'pg';
import { fetchVCards } from 'tsdav';

import { type CloudEvent, topicOf } from '@switchboard/contracts';
import { CONTACT_OF_RELATION, TrytonClient, vCardFileName, vCardToContact } from '@switchboard/connectors';
import { consumerGroupOf } from '@switchboard/platform';
import { LocalCluster, ServiceProcess, eventually } from '@switchboard/testing';

import { ALL_SERVICES } from '../../scripts/provision-all';
import { pollersEnv } from '../../scripts/support/pollers-env';
import { API_TOKENS } from '../customer-sync/support';
import { ROOT, testEnv } from '../support/cluster';
import { startGroupAtEnd } from '../support/kafka';
import { databaseUrl, uniqueName } from '../support/stack';
import { freshDatabaseUrl, realSystemsEnv, trytonReader } from './support';

jest.setTimeout(8 * 60_000);

const RUNNING = ['ingest', 'customer-sync', 'erp-orders', 'crm-sync', 'address-book'];
const ACCOUNTS = 10;
/** One contact per account. */
const CONTACTS = 10;
/** Every account's and every contact's phone changes once per wave: 5 x 20 = 100 changes. */
const WAVES = 5;

interface Row {
  code: string;
  entity: 'account' | 'contact';
  crmPartyId: number;
  phoneMechanismId: number;
  customerId: string;
  /** The canonical version after the setup. */
  baseVersion: number;
  /** The phones the test set, in order. */
  sent: string[];
}

describe('phone changes in the real CRM reach the ERP and the address book, with no echo', () => {
  const real = realSystemsEnv();
  const run = uniqueName('RT')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(-10)
    .toUpperCase();
  const digits = String(Date.now()).slice(-5);
  const auth = {
    authorization: `Basic ${Buffer.from(`${real.CARDDAV_USER}:${real.CARDDAV_PASSWORD}`).toString('base64')}`,
  };
  let cluster: LocalCluster;
  let pollers: ServiceProcess<'pollers'>;
  let db: Client;
  let crm: TrytonClient;
  let erp: TrytonClient;
  const rows: Row[] = [];
  /** The database's time and customer-sync's outbox position at the end of the setup. */
  let baseline: { at: Date; outbox: number };

  beforeAll(async () => {
    process.env.TEST_BASE_PORT ??= '6200';
    const basePort = Number(process.env.TEST_BASE_PORT);
    const groupPrefix = uniqueName('test-crm-round-trips');
    const env = testEnv({
      ...real,
      // Named after the run's database (switchboard_test -> switchboard_test_crm_round_trips).
      DATABASE_URL: await freshDatabaseUrl(`${new URL(databaseUrl()).pathname.slice(1)}_crm_round_trips`),
      KAFKA_GROUP_PREFIX: groupPrefix,
      CUSTOMER_SYNC_API_TOKENS: API_TOKENS,
      CUSTOMER_SYNC_OWNERSHIP_FILE: join(ROOT, 'deploy/ownership.yaml'),
    });
    cluster = new LocalCluster({
      root: ROOT,
      env,
      basePort,
      withCustomerSync: true,
      withCrmSync: true,
      withAddressBook: true,
      logs: { dir: join(ROOT, '.stack/test-logs/real-systems-crm-round-trips') },
      afterProvision: async () => {
        for (const definition of ALL_SERVICES.filter((s) => RUNNING.includes(s.name))) {
          for (const type of definition.consumes) {
            await startGroupAtEnd(consumerGroupOf(definition, groupPrefix), topicOf(type));
          }
        }
      },
    });
    await cluster.provision();
    db = new Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    // No deal of another run on the shared broker becomes a Tryton sale here: erp-orders maps no product.
    await db.query('DELETE FROM erp_orders.item_mapping');
    const needed = Object.values(cluster.services).filter((service) => RUNNING.includes(service.name));
    const pollersPort = basePort + 40;
    pollers = new ServiceProcess('pollers', pollersPort, {
      root: ROOT,
      basePort: pollersPort,
      logs: { dir: join(ROOT, '.stack/test-logs/real-systems-crm-round-trips', 'pollers') },
      env: {
        ...pollersEnv(env, cluster.url('ingest')),
        // Only what this run changes (and whatever else changes meanwhile) from now on.
        POLLERS_START_AT: new Date(Date.now() - 2_000).toISOString(),
        POLLERS_OVERLAP_SECONDS: '5',
        CRM_PARTIES_POLL_MS: '500',
        TRYTON_PARTIES_POLL_MS: '500',
        RT_ESCALATIONS_POLL_ENABLED: 'false',
        POLLERS_LEADER_RETRY_MS: '300',
      },
    });
    // All at once (a pass that finds ingest not ready yet is repeated, its checkpoint unmoved).
    for (const service of [...needed, pollers]) service.start();
    // Generous: the real-systems lane shares two cores with Tryton and the other lane.
    await Promise.all([...needed, pollers].map((service) => service.waitReady(180_000)));

    crm = new TrytonClient({
      name: 'tryton-crm-round-trips',
      url: real.CRM_URL,
      database: real.CRM_DATABASE,
      username: real.CRM_USER,
      password: real.CRM_PASSWORD,
    });
    erp = trytonReader(real);
  });

  afterAll(async () => {
    await pollers?.stop();
    await cluster?.stop();
    await db?.end();
  });

  /** The `Contact of` relation type; a CRM prepared before scripts/tryton-crm-setup.py made it gets it here. */
  const contactOfType = async (): Promise<number> => {
    const [found] = await crm.model<number[]>('party.relation.type', 'search', [
      ['name', '=', CONTACT_OF_RELATION],
    ]);
    if (found !== undefined) return found;
    const [contactOf] = await crm.model<number[]>('party.relation.type', 'create', [
      { name: CONTACT_OF_RELATION },
    ]);
    const [hasContact] = await crm.model<number[]>('party.relation.type', 'create', [
      { name: 'Has contact', reverse: contactOf },
    ]);
    await crm.model('party.relation.type', 'write', [contactOf], { reverse: hasContact });
    return contactOf;
  };

  const phoneOf = (index: number, wave: number): string =>
    `+39 02 ${digits}${wave}${String(index).padStart(2, '0')}`;

  /** The canonical versions of these customers. */
  const versions = async (ids: string[]): Promise<Map<string, number>> => {
    const { rows: found } = await db.query<{ id: string; version: number }>(
      'SELECT id, version FROM customer_sync.customer WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(found.map((row) => [row.id, row.version]));
  };

  /**
   * Waits until every change made so far arrived everywhere: each customer at its expected version,
   * erp-orders and address-book at that version, and the ERP's echo of each account seen and settled
   * (no value sent to the ERP still waiting for its echo).
   */
  const settled = async (expected: (row: Row) => number, timeoutMs: number): Promise<void> => {
    const ids = rows.map((row) => row.customerId);
    await eventually(
      async () => {
        const current = await versions(ids);
        const behind = rows.filter((row) => (current.get(row.customerId) ?? 0) < expected(row));
        if (behind.length > 0) throw new Error(`${behind.length} customers not at their version yet`);
        const accounts = rows.filter((row) => row.entity === 'account').map((row) => row.customerId);
        const contacts = rows.filter((row) => row.entity === 'contact').map((row) => row.customerId);
        const { rows: erpBehind } = await db.query(
          `SELECT c.id FROM customer_sync.customer c LEFT JOIN erp_orders.customer_sync_state s ON s.customer_id = c.id::text
           WHERE c.id = ANY($1::uuid[]) AND (s.applied_version IS NULL OR s.applied_version < c.version)`,
          [accounts],
        );
        if (erpBehind.length > 0) throw new Error(`${erpBehind.length} accounts not applied to the ERP yet`);
        const { rows: bookBehind } = await db.query(
          `SELECT c.id FROM customer_sync.customer c LEFT JOIN address_book.address_book_contact a ON a.customer_id::text = c.id::text
           WHERE c.id = ANY($1::uuid[]) AND (a.applied_version IS NULL OR a.applied_version < c.version)`,
          [contacts],
        );
        if (bookBehind.length > 0)
          throw new Error(`${bookBehind.length} contacts not in the address book yet`);
        const { rows: pending } = await db.query(
          `SELECT DISTINCT customer_id FROM customer_sync.sync_outbound WHERE customer_id = ANY($1::uuid[]) AND target = 'erp'`,
          [accounts],
        );
        if (pending.length > 0) throw new Error(`${pending.length} accounts' ERP echoes not back yet`);
      },
      { timeoutMs, intervalMs: 500 },
    );
  };

  it('accounts and contacts created in the CRM reach the ERP and the address book', async () => {
    const contactOf = await contactOfType();
    const accountCodes = Array.from({ length: ACCOUNTS }, (_, i) => `RT-${run}-A${i}`);
    const contactCodes = Array.from({ length: CONTACTS }, (_, i) => `RT-${run}-C${i}`);
    const party = (code: string, name: string, i: number) => ({
      code,
      name,
      contact_mechanisms: [
        [
          'create',
          [
            { type: 'email', value: `${code.toLowerCase()}@example.com` },
            { type: 'phone', value: phoneOf(i, 0) },
          ],
        ],
      ],
    });
    const accountIds = await crm.model<number[]>(
      'party.party',
      'create',
      accountCodes.map((code, i) => party(code, `Round Trip ${run} Account ${i}`, i)),
    );
    const contactIds = await crm.model<number[]>(
      'party.party',
      'create',
      contactCodes.map((code, i) => ({
        ...party(code, `Contact ${i} of ${run}`, ACCOUNTS + i),
        relations: [['create', [{ to: accountIds[i], type: contactOf }]]],
      })),
    );
    const mechanisms = await crm.model<Array<{ id: number; party: number }>>(
      'party.contact_mechanism',
      'search_read',
      [
        ['party', 'in', [...accountIds, ...contactIds]],
        ['type', '=', 'phone'],
      ],
      0,
      null,
      null,
      ['party'],
    );
    const mechanismOf = (partyId: number): number => mechanisms.find((m) => m.party === partyId)!.id;

    const linked = await eventually(
      async () => {
        const { rows: refs } = await db.query<{ external_id: string; customer_id: string }>(
          `SELECT external_id, customer_id FROM customer_sync.customer_xref WHERE system = 'crm' AND external_id = ANY($1)`,
          [[...accountCodes, ...contactCodes]],
        );
        if (refs.length < ACCOUNTS + CONTACTS) throw new Error(`${refs.length} CRM records linked`);
        return new Map(refs.map((ref) => [ref.external_id, ref.customer_id]));
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    accountCodes.forEach((code, i) =>
      rows.push({
        code,
        entity: 'account',
        crmPartyId: accountIds[i],
        phoneMechanismId: mechanismOf(accountIds[i]),
        customerId: linked.get(code)!,
        baseVersion: 0,
        sent: [],
      }),
    );
    contactCodes.forEach((code, i) =>
      rows.push({
        code,
        entity: 'contact',
        crmPartyId: contactIds[i],
        phoneMechanismId: mechanismOf(contactIds[i]),
        customerId: linked.get(code)!,
        baseVersion: 0,
        sent: [],
      }),
    );
    await settled(() => 1, 180_000);
    // Each contact travels with its account's customer.
    const { rows: parents } = await db.query<{ id: string; parent_id: string | null }>(
      'SELECT id, parent_id FROM customer_sync.customer WHERE id = ANY($1::uuid[])',
      [rows.filter((row) => row.entity === 'contact').map((row) => row.customerId)],
    );
    expect(new Set(parents.map((row) => row.parent_id))).toEqual(
      new Set(rows.filter((row) => row.entity === 'account').map((row) => row.customerId)),
    );
    const base = await versions(rows.map((row) => row.customerId));
    for (const row of rows) row.baseVersion = base.get(row.customerId)!;
    const [{ at, outbox }] = (
      await db.query<{ at: Date; outbox: number }>(
        'SELECT now() AS at, (SELECT coalesce(max(position), 0)::int FROM customer_sync.outbox_message) AS outbox',
      )
    ).rows;
    baseline = { at, outbox };
  });

  it(`${WAVES * (ACCOUNTS + CONTACTS)} phone changes in the CRM: each system changed exactly as often as the CRM was`, async () => {
    const started = Date.now();
    for (let wave = 1; wave <= WAVES; wave += 1) {
      // One wave: every account's and every contact's phone at once, each its own CRM write.
      await Promise.all(
        rows.map(async (row, index) => {
          const phone = phoneOf(index, wave);
          await crm.model('party.contact_mechanism', 'write', [row.phoneMechanismId], { value: phone });
          row.sent.push(phone);
        }),
      );
      // The next wave starts when this one arrived everywhere and the ERP's echoes came back.
      await settled((row) => row.baseVersion + wave, 120_000);
    }
    const changes = rows.reduce((total, row) => total + row.sent.length, 0);
    expect(changes).toBe(100);
    console.log(`crm-round-trips: ${changes} CRM phone changes settled in ${Date.now() - started} ms`);

    const accounts = rows.filter((row) => row.entity === 'account');
    const contacts = rows.filter((row) => row.entity === 'contact');
    const ids = rows.map((row) => row.customerId);

    // CRM -> Switchboard: one customer_updated per change, and one version per change (no echo counted).
    const { rows: fromCrm } = await db.query<{ source_event_id: string }>(
      `SELECT source_event_id FROM ingest.received_event WHERE received_at > $1 AND source = 'crm' AND source_event_id ~ $2`,
      [baseline.at, `^crm-party-(${rows.map((row) => row.crmPartyId).join('|')})-`],
    );
    expect(fromCrm).toHaveLength(changes);
    const after = await versions(ids);
    expect(rows.map((row) => after.get(row.customerId)! - row.baseVersion)).toEqual(rows.map(() => WAVES));

    // What customer-sync published for these customers after the setup, per target.
    const { rows: published } = await db.query<{ payload: string }>(
      `SELECT payload FROM customer_sync.outbox_message
       WHERE position > $1 AND event_type = 'customer_synced' AND message_key = ANY($2) ORDER BY position`,
      [baseline.outbox, ids],
    );
    const synced = published.map((row) => JSON.parse(row.payload) as CloudEvent<'customer_synced'>);
    const to = (target: string, of: Row[]) =>
      synced.filter(
        (event) => event.data.target === target && of.some((row) => row.customerId === event.data.customerId),
      );

    // The ERP: exactly the accounts' changes, each the phone the CRM was given, in order.
    const toErp = to('erp', accounts);
    expect(toErp).toHaveLength(accounts.length * WAVES);
    for (const row of accounts) {
      expect(
        toErp.filter((event) => event.data.customerId === row.customerId).map((event) => event.data.fields),
      ).toEqual(row.sent.map((phone) => ({ phone })));
    }
    const { rows: erpApplied } = await db.query<{ id: string }>(
      'SELECT id FROM erp_orders.inbox_message WHERE id = ANY($1)',
      [toErp.map((event) => event.id)],
    );
    expect(erpApplied).toHaveLength(toErp.length);
    const erpParties = await erp.model<Array<{ id: number; code: string }>>(
      'party.party',
      'search_read',
      [['code', 'in', accounts.map((row) => row.code)]],
      0,
      null,
      null,
      ['code'],
    );
    expect(erpParties).toHaveLength(accounts.length);
    const erpPhones = await erp.model<Array<{ party: number; value: string }>>(
      'party.contact_mechanism',
      'search_read',
      [
        ['party', 'in', erpParties.map((party) => party.id)],
        ['type', '=', 'phone'],
      ],
      0,
      null,
      null,
      ['party', 'value'],
    );
    expect(
      erpParties.map((party) => ({
        code: party.code,
        phones: erpPhones.filter((phone) => phone.party === party.id).map((phone) => phone.value),
      })),
    ).toEqual(expect.arrayContaining(accounts.map((row) => ({ code: row.code, phones: [row.sent.at(-1)] }))));
    // The ERP's writes came back through its poller, and were each dropped as echoes.
    const { rows: fromErp } = await db.query<{ source_event_id: string }>(
      `SELECT source_event_id FROM ingest.received_event WHERE received_at > $1 AND source = 'erp' AND source_event_id ~ $2`,
      [baseline.at, `^tryton-party-(${erpParties.map((party) => party.id).join('|')})-`],
    );
    expect(fromErp.length).toBeGreaterThanOrEqual(accounts.length);
    const { rows: acceptedFromErp } = await db.query(
      `SELECT 1 FROM customer_sync.customer_audit WHERE customer_id = ANY($1::uuid[]) AND source_system = 'erp' AND kind <> 'link'`,
      [ids],
    );
    expect(acceptedFromErp).toEqual([]);

    // The address book: exactly the contacts' changes, the card showing the last one.
    const toBook = to('contacts', contacts);
    expect(toBook).toHaveLength(contacts.length * WAVES);
    for (const row of contacts) {
      expect(
        toBook.filter((event) => event.data.customerId === row.customerId).map((event) => event.data.fields),
      ).toEqual(row.sent.map((phone) => ({ phone })));
    }
    const { rows: bookApplied } = await db.query<{ id: string }>(
      'SELECT id FROM address_book.inbox_message WHERE id = ANY($1)',
      [toBook.map((event) => event.id)],
    );
    expect(bookApplied).toHaveLength(toBook.length);
    const names = new Set(contacts.map((row) => vCardFileName(row.customerId)));
    const cards = await fetchVCards({
      addressBook: { url: real.CARDDAV_URL },
      headers: auth,
      urlFilter: (url) => names.has(url.slice(url.lastIndexOf('/') + 1)),
    });
    expect(
      cards
        .map((card) => vCardToContact(String(card.data)))
        .map((contact) => ({ uid: contact?.uid, phone: contact?.card.phone }))
        .sort((a, b) => String(a.uid).localeCompare(String(b.uid))),
    ).toEqual(
      contacts
        .map((row) => ({ uid: row.customerId, phone: row.sent.at(-1) }))
        .sort((a, b) => a.uid.localeCompare(b.uid)),
    );

    // Nothing back to the CRM: no customer_synced for it, and the CRM's phones are the ones it was given.
    expect(synced.filter((event) => event.data.target === 'crm')).toEqual([]);
    const crmPhones = await crm.model<Array<{ id: number; value: string }>>(
      'party.contact_mechanism',
      'read',
      rows.map((row) => row.phoneMechanismId),
      ['value'],
    );
    expect(crmPhones.map((phone) => phone.value)).toEqual(rows.map((row) => row.sent.at(-1)));
  });

  it('a contact archived in the CRM leaves the address book', async () => {
    const contact = rows.find((row) => row.entity === 'contact')!;
    await crm.model('party.party', 'write', [contact.crmPartyId], { active: false });
    await eventually(
      async () => {
        const { rows: found } = await db.query<{ active: boolean }>(
          'SELECT active FROM address_book.address_book_contact WHERE customer_id = $1',
          [contact.customerId],
        );
        if (found[0]?.active !== false) throw new Error('the address book still has the contact');
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const name = vCardFileName(contact.customerId);
    const cards = await fetchVCards({
      addressBook: { url: real.CARDDAV_URL },
      headers: auth,
      urlFilter: (url) => url.endsWith(`/${name}`),
    });
    expect(cards.filter((card) => card.url.endsWith(`/${name}`))).toEqual([]);
  });
});
