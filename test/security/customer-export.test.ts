// The bulk export of customers by (guessable) external ids needs the exporter
// role, is paginated and audited; customer-sync's answers are no-store. Real broker and database.
import type { CloudEvent } from '@switchboard/contracts';
import { eventually, type ServiceProcess } from '@switchboard/testing';

import {
  API_TOKENS,
  STEWARD_TOKEN,
  SyncDb,
  Sources,
  VIEWER_TOKEN,
  api,
  customerSyncProcess,
  freshGroupPrefix,
  iso,
  provisionCustomerSync,
  runId,
} from '../customer-sync/support';

jest.setTimeout(180_000);

const EXPORTER_TOKEN = 'exporter-token-sec17-0123456789abcdef';

describe('customer export: its own role, paginated, audited', () => {
  let sync: ServiceProcess;
  let sources: Sources;
  let db: SyncDb;
  const run = runId();
  const ids = [1, 2, 3].map((n) => `EXP-${run}-${n}`);

  beforeAll(async () => {
    await provisionCustomerSync();
    sync = customerSyncProcess('security-export', {
      KAFKA_GROUP_PREFIX: await freshGroupPrefix('security-export'),
      CUSTOMER_SYNC_API_TOKENS: `${API_TOKENS},erin:exporter:${EXPORTER_TOKEN}`,
    });
    sync.start();
    sources = new Sources();
    db = new SyncDb();
    await Promise.all([sync.waitReady(), sources.connect()]);
    const events: CloudEvent[] = ids.map((externalId, i) =>
      sources.event('customer_updated', 'ecommerce', {
        system: 'ecommerce',
        entity: 'account',
        externalId,
        changedAt: iso(Date.now()),
        fields: { name: `Export ${i}`, email: `export.${i}.${run}@example.com` },
      }),
    );
    await sources.publish(events);
    await eventually(() => db.allHandled(events.map((e) => e.id)), { timeoutMs: 120_000 });
  });

  afterAll(async () => {
    await sources?.disconnect();
    await sync?.stop();
    await db?.close();
  });

  const path = (extra = '') => `/v1/customers/export?system=ecommerce&entity=account&limit=2${extra}`;

  it('401 without a token, 403 for a viewer and a data steward', async () => {
    expect((await api(path(), null)).status).toBe(401);
    expect((await api(path(), VIEWER_TOKEN)).status).toBe(403);
    expect((await api(path(), STEWARD_TOKEN)).status).toBe(403);
  });

  it('pages through the customers by external id, and records every page with the caller', async () => {
    const after = `&after=EXP-${run}-0`;
    const first = await api(path(after), EXPORTER_TOKEN);
    expect(first.status).toBe(200);
    const page = first.body as { items: Array<{ externalId: string }>; next: string | null };
    expect(page.items.map((item) => item.externalId)).toEqual(ids.slice(0, 2));
    expect(first.body.next).toBe(ids[1]);
    const second = await api(path(`&after=${first.body.next}`), EXPORTER_TOKEN);
    expect(second.body.items[0]).toMatchObject({
      externalId: ids[2],
      customer: { fields: { name: 'Export 2' } },
    });
    const audit = await db.rows<{ caller: string; returned: number; first_external_id: string }>(
      `SELECT caller, returned, first_external_id FROM customer_sync.export_audit
       WHERE system = 'ecommerce' AND after_external_id = ANY($1::text[]) ORDER BY seq`,
      [[`EXP-${run}-0`, ids[1]]],
    );
    expect(audit).toEqual([
      { caller: 'erin', returned: 2, first_external_id: ids[0] },
      expect.objectContaining({ caller: 'erin', first_external_id: ids[2] }),
    ]);
  });

  it('refuses a page larger than 200', async () => {
    expect((await api('/v1/customers/export?system=ecommerce&limit=5000', EXPORTER_TOKEN)).status).toBe(400);
  });

  it('customer answers are Cache-Control: no-store', async () => {
    const id = await db.customerIdByRef('ecommerce', 'account', ids[0]);
    const response = await fetch(`${sync.url}/v1/customers/${id}`, {
      headers: { authorization: `Bearer ${VIEWER_TOKEN}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});
