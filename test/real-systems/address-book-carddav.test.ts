// The contacts system for real: a CRM contact posted to ingest (customer_updated) reaches the CardDAV
// address book (Radicale, deploy/real-systems.sh) through customer-sync (customer_synced for
// `contacts`) and address-book, as one vCard whose UID is the canonical customer id; a phone change
// rewrites it, a deletion in the CRM removes it, and a customer_synced delivered again changes
// nothing. Real Kafka, PostgreSQL and Radicale; the address book is read back with tsdav.
import { join } from 'node:path';

import { Client } from 'pg';
import { fetchVCards, type DAVVCard } from 'tsdav';

import { topicOf, type CloudEvent } from '@switchboard/contracts';
import { vCardFileName, vCardToContact } from '@switchboard/connectors';
import { consumerGroupOf } from '@switchboard/platform';
import { LocalCluster, eventually } from '@switchboard/testing';

import { ALL_SERVICES } from '../../scripts/provision-all';
import { API_TOKENS, Sources } from '../customer-sync/support';
import { ROOT, ingestClient, testEnv } from '../support/cluster';
import { startGroupAtEnd } from '../support/kafka';
import { uniqueName } from '../support/stack';
import { freshDatabaseUrl, realSystemsEnv } from './support';

jest.setTimeout(5 * 60_000);

const SERVICES = ['ingest', 'customer-sync', 'address-book'] as const;

describe('CRM contacts in the CardDAV address book', () => {
  const real = realSystemsEnv();
  const auth = {
    authorization: `Basic ${Buffer.from(`${real.CARDDAV_USER}:${real.CARDDAV_PASSWORD}`).toString('base64')}`,
  };
  const run = uniqueName('BOOK');
  const contactRef = `CON-${run}`;
  let cluster: LocalCluster;
  let db: Client;
  let sources: Sources;
  let customerId: string;

  beforeAll(async () => {
    // Ports of its own (the other real-systems suites use 4700 and 4900). Not 6000 itself: fetch
    // refuses that port (X11, on the Fetch standard's list of bad ports), and ingest listens on the base.
    process.env.TEST_BASE_PORT ??= '6010';
    const groupPrefix = uniqueName('test-address-book');
    const env = testEnv({
      ...real,
      DATABASE_URL: await freshDatabaseUrl('switchboard_test_address_book'),
      KAFKA_GROUP_PREFIX: groupPrefix,
      CUSTOMER_SYNC_API_TOKENS: API_TOKENS,
      CUSTOMER_SYNC_OWNERSHIP_FILE: join(ROOT, 'deploy/ownership.yaml'),
    });
    cluster = new LocalCluster({
      root: ROOT,
      env,
      basePort: Number(process.env.TEST_BASE_PORT),
      withCustomerSync: true,
      withAddressBook: true,
      logs: { dir: join(ROOT, '.stack/test-logs', 'real-systems-address-book') },
      afterProvision: async () => {
        for (const definition of ALL_SERVICES.filter((s) =>
          (SERVICES as readonly string[]).includes(s.name),
        )) {
          for (const type of definition.consumes) {
            await startGroupAtEnd(consumerGroupOf(definition, groupPrefix), topicOf(type));
          }
        }
      },
    });
    await cluster.provision();
    const needed = SERVICES.map((name) => cluster.services[name]!);
    for (const service of needed) service.start();
    await Promise.all(needed.map((service) => service.waitReady()));
    db = new Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    sources = new Sources();
    await sources.connect();
  });

  afterAll(async () => {
    await sources?.disconnect();
    await cluster?.stop();
    await db?.end();
  });

  /** This run's card as the address book serves it (tsdav's REPORT of the collection), or null. */
  const card = async (): Promise<DAVVCard | null> => {
    const name = vCardFileName(customerId);
    const cards = await fetchVCards({
      addressBook: { url: real.CARDDAV_URL },
      headers: auth,
      urlFilter: (url) => url.endsWith(`/${name}`),
    });
    return cards.find((found) => found.url.endsWith(`/${name}`)) ?? null;
  };

  let changes = 0;
  const postContact = async (fields: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    changes += 1;
    const posted = await ingestClient(cluster).post('crm', {
      id: `${contactRef}-${changes}`,
      type: 'customer_updated',
      data: {
        system: 'crm',
        entity: 'contact',
        externalId: contactRef,
        changedAt: new Date(Date.now() + changes).toISOString(),
        fields,
        ...extra,
      },
    });
    expect(posted.status).toBe(202);
  };

  /** The address book's own record of the contact (its inbox committed with it). */
  const stored = async (): Promise<{
    applied_version: number;
    event_id: string;
    updated_at: Date;
  } | null> => {
    const { rows } = await db.query<{ applied_version: number; event_id: string; updated_at: Date }>(
      'SELECT applied_version, event_id, updated_at FROM address_book.address_book_contact WHERE customer_id = $1',
      [customerId],
    );
    return rows[0] ?? null;
  };

  const metric = async (name: string, labels: string[]): Promise<number> => {
    const text = await (await fetch(`${cluster.services['address-book']!.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`${name}{`) && labels.every((label) => l.includes(label)));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('a contact created in the CRM appears as a vCard whose UID is the canonical customer id', async () => {
    await postContact({
      name: 'Giulia Bianchi',
      email: `giulia.${run}@example.com`,
      phone: '+39 02 1111111',
    });
    customerId = await eventually(
      async () => {
        const { rows } = await db.query<{ customer_id: string }>(
          `SELECT customer_id FROM customer_sync.customer_xref WHERE system = 'crm' AND entity = 'contact' AND external_id = $1`,
          [contactRef],
        );
        if (!rows[0]) throw new Error('customer-sync has not linked the contact yet');
        return rows[0].customer_id;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const written = await eventually(
      async () => {
        const found = await card();
        if (!found) throw new Error('no card yet');
        return found;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(vCardToContact(String(written.data))).toEqual({
      uid: customerId,
      card: { name: 'Giulia Bianchi', email: `giulia.${run}@example.com`, phone: '+39 02 1111111' },
    });
  });

  it('a phone change in the CRM rewrites the card', async () => {
    const before = (await card())!;
    await postContact({ phone: '+39 02 2222222' });
    const after = await eventually(
      async () => {
        const found = await card();
        if (!found || vCardToContact(String(found.data))?.card.phone !== '+39 02 2222222')
          throw new Error('phone not changed yet');
        return found;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(vCardToContact(String(after.data))?.card).toEqual({
      name: 'Giulia Bianchi',
      email: `giulia.${run}@example.com`,
      phone: '+39 02 2222222',
    });
    expect(after.etag).not.toBe(before.etag);
  });

  it('a customer_synced delivered again changes nothing (inbox duplicate, same card, same ETag)', async () => {
    const before = (await card())!;
    const record = (await stored())!;
    // The last customer_synced for the address book, exactly as customer-sync published it.
    const { rows } = await db.query<{ payload: string }>(
      `SELECT payload FROM customer_sync.outbox_message
       WHERE event_type = 'customer_synced' AND message_key = $1 ORDER BY position`,
      [customerId],
    );
    const last = rows
      .map((row) => JSON.parse(row.payload) as CloudEvent<'customer_synced'>)
      .filter((event) => event.data.target === 'contacts')
      .at(-1)!;
    expect(last.id).toBe(record.event_id);
    const duplicates = ['outcome="duplicate"', 'type="customer_synced"'];
    const seen = await metric('switchboard_consumer_events_total', duplicates);
    await sources.publish([last]);
    await eventually(
      async () => {
        if ((await metric('switchboard_consumer_events_total', duplicates)) <= seen)
          throw new Error('not seen again yet');
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(await stored()).toEqual(record);
    const again = (await card())!;
    expect(again.etag).toBe(before.etag);
    expect(again.data).toBe(before.data);
  });

  it('a contact deleted in the CRM is removed from the address book', async () => {
    await postContact({}, { deleted: true });
    await eventually(
      async () => {
        if (await card()) throw new Error('card still there');
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(await stored()).toMatchObject({ applied_version: expect.any(Number) });
    const { rows } = await db.query<{ active: boolean }>(
      'SELECT active FROM address_book.address_book_contact WHERE customer_id = $1',
      [customerId],
    );
    expect(rows[0]?.active).toBe(false);
  });
});
