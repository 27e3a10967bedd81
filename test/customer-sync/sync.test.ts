/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument -- API answers are untyped JSON here */
// customer-sync against the real broker and database: matching, ownership, conflicts, audit,
// deletes and merges, data types. Each test uses ids of its own run (topics and tables are shared).
import { Topic, type CloudEvent, type CustomerUpdatedV1, type SourceSystem } from '@switchboard/contracts';
import { eventually, type ServiceProcess } from '@switchboard/testing';

import {
  STEWARD_TOKEN,
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

jest.setTimeout(240_000);

describe('customer-sync', () => {
  let service: ServiceProcess;
  let sources: Sources;
  let db: SyncDb;
  let watcher: TopicWatcher;
  const run = runId();
  const T0 = Date.parse('2025-06-01T10:00:00Z');

  beforeAll(async () => {
    await provisionCustomerSync();
    service = customerSyncProcess('customer-sync', { KAFKA_GROUP_PREFIX: await freshGroupPrefix('sync') });
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

  /** Publishes and waits until the service has handled every event. */
  const send = async (...events: CloudEvent[]) => {
    await sources.publish(events);
    await eventually(() => db.allHandled(events.map((e) => e.id)), { timeoutMs: 120_000 });
  };

  const customer = async (system: string, externalId: string, entity = 'account') => {
    const id = await db.customerIdByRef(system, entity, externalId);
    if (!id) throw new Error(`no customer for ${system} ${externalId}`);
    return (await api(`/v1/customers/${id}`)).body;
  };

  it('create in CRM -> one canonical customer, on the ERP stream with its cross-reference; the ERP record links back without a duplicate', async () => {
    const acc = `ACC-${run}-1`;
    await send(
      updated('crm', acc, {
        name: 'Müller & Söhne GmbH',
        email: `Billing.${run}@Mueller.example`,
        phone: '+49 89 1234',
        accountType: 'customer',
        vatNumber: `de 811 ${run}`,
      }),
    );
    const created = await customer('crm', acc);
    expect(created).toMatchObject({
      entity: 'account',
      status: 'active',
      fields: { name: 'Müller & Söhne GmbH', phone: '+49 89 1234', vatNumber: `de 811 ${run}` },
      crossReferences: [{ system: 'crm', externalId: acc, matchedBy: 'created' }],
    });

    // On Kafka, for the ERP: every field the ERP receives, no id of its own yet, the CRM's id as cross-reference.
    const toErp = await eventually(() => {
      const found = watcher.messages.find(
        (m) => m.value.data.customerId === created.id && m.value.data.target === 'erp',
      );
      if (!found) throw new Error('nothing for the ERP on switchboard.customer_synced.v1 yet');
      return found.value.data;
    });
    expect(toErp).toMatchObject({
      entity: 'account',
      action: 'upsert',
      targetExternalId: null,
      origin: { system: 'crm', actor: 'system:crm' },
      crossReferences: [{ system: 'crm', externalId: acc }],
      fields: { name: 'Müller & Söhne GmbH', phone: '+49 89 1234', accountType: 'customer' },
    });
    expect(toErp.fields).not.toHaveProperty('vatNumber'); // the ERP masters it; the CRM's value is not sent there
    const synced = await db.synced(created.id);
    expect(synced.map((s) => s.target).sort()).toEqual(['erp', 'marketing', 'support']); // never back to the CRM

    // The ERP creates it and reports its own record (same values, its own id): linked, nothing published.
    const before = synced.length;
    await send(
      updated(
        'erp',
        `C-${run}-1`,
        { name: 'Müller & Söhne GmbH', phone: '+49 89 1234', email: `Billing.${run}@Mueller.example` },
        {
          switchboardCustomerId: created.id,
        },
      ),
    );
    const linked = await customer('erp', `C-${run}-1`);
    expect(linked.id).toBe(created.id);
    expect(linked.crossReferences.map((x: { system: string }) => x.system)).toEqual(['crm', 'erp']);
    expect((await db.synced(created.id)).length).toBe(before);
  });

  it('update: a CRM-owned field is propagated; an ERP-owned field from the CRM is not applied, counted and visible', async () => {
    const acc = `ACC-${run}-2`;
    await send(
      updated(
        'crm',
        acc,
        { name: 'Acme', email: `acme.${run}@example.com`, accountType: 'customer' },
        { at: T0 },
      ),
    );
    await send(
      updated(
        'erp',
        `C-${run}-2`,
        { vatNumber: 'IT01234567890', email: `acme.${run}@example.com` },
        { at: T0 + 1000 },
      ),
    );
    const id = (await customer('crm', acc)).id as string;
    expect((await customer('erp', `C-${run}-2`)).id).toBe(id); // matched by e-mail

    await send(updated('crm', acc, { phone: '+39 02 555', vatNumber: 'IT99999999999' }, { at: T0 + 60_000 }));
    const after = await customer('crm', acc);
    expect(after.fields).toMatchObject({ phone: '+39 02 555', vatNumber: 'IT01234567890' });
    const phoneEvents = (await db.synced(id)).filter((s) => 'phone' in s.fields);
    expect(phoneEvents.map((s) => [s.target, s.fields.phone, s.targetExternalId])).toEqual(
      expect.arrayContaining([
        ['erp', '+39 02 555', `C-${run}-2`],
        ['marketing', '+39 02 555', null],
        ['support', '+39 02 555', null],
      ]),
    );
    expect(phoneEvents.some((s) => s.target === 'crm')).toBe(false);

    const refused = (await api(`/v1/customers/${id}/refused-changes`)).body;
    expect(refused).toEqual([
      expect.objectContaining({
        system: 'crm',
        field: 'vatNumber',
        value: 'IT99999999999',
        reason: 'not_owner',
        message: expect.stringContaining('crm does not own vatNumber (master: erp)'),
      }),
    ]);
    const summary = (await api('/v1/refused-changes/summary')).body as Array<Record<string, unknown>>;
    expect(summary).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ system: 'crm', field: 'vatNumber', reason: 'not_owner' }),
      ]),
    );
  });

  it('a duplicate created in the source is de-duplicated by matching (e-mail, then VAT for companies)', async () => {
    await send(
      updated('crm', `ACC-${run}-3a`, {
        name: 'Dup GmbH',
        email: `dup.${run}@example.com`,
        vatNumber: `DE${run}`,
      }),
    );
    await send(updated('crm', `ACC-${run}-3b`, { name: 'Dup GmbH (2)', email: `DUP.${run}@Example.com` }));
    await send(updated('ecommerce', `SHOP-${run}-3`, { name: 'Dup', vatNumber: `de-${run}` }));
    const a = await customer('crm', `ACC-${run}-3a`);
    expect((await customer('crm', `ACC-${run}-3b`)).id).toBe(a.id);
    expect((await customer('ecommerce', `SHOP-${run}-3`)).id).toBe(a.id);
    expect(
      await db.count(`SELECT count(*) FROM customer_sync.customer WHERE email_key = $1`, [
        `dup.${run}@example.com`,
      ]),
    ).toBe(1);
  });

  it('an ambiguous match is not guessed: it waits in the review queue and a data steward picks the customer', async () => {
    await send(updated('crm', `ACC-${run}-4a`, { name: 'Twin A', email: `twin-a.${run}@example.com` }));
    await send(updated('crm', `ACC-${run}-4b`, { name: 'Twin B', email: `twin-b.${run}@example.com` }));
    // The CRM (email master) gives B the same address as A: two customers now share it.
    await send(updated('crm', `ACC-${run}-4b`, { email: `twin-a.${run}@example.com` }));
    const incoming = updated('erp', `C-${run}-4`, { name: 'Twin', email: `twin-a.${run}@example.com` });
    await send(incoming);
    expect(await db.customerIdByRef('erp', 'account', `C-${run}-4`)).toBeNull();

    const open = (await api('/v1/review-items?kind=ambiguous_match')).body as Array<Record<string, any>>;
    const item = open.find((i) => i.externalId === `C-${run}-4`);
    expect(item).toMatchObject({ kind: 'ambiguous_match', status: 'open', system: 'erp' });
    expect(item!.candidates).toHaveLength(2);

    const a = await customer('crm', `ACC-${run}-4a`);
    expect(
      (
        await api(`/v1/review-items/${item!.id}/resolve`, null, {
          method: 'POST',
          body: JSON.stringify({ customerId: a.id }),
        })
      ).status,
    ).toBe(401);
    const resolved = await api(`/v1/review-items/${item!.id}/resolve`, STEWARD_TOKEN, {
      method: 'POST',
      body: JSON.stringify({ customerId: a.id }),
    });
    expect(resolved).toMatchObject({ status: 201, body: { status: 'resolved', resolvedBy: 'steward:dana' } });
    expect((await customer('erp', `C-${run}-4`)).id).toBe(a.id);
  });

  it('simultaneous changes in CRM and ERP: each strategy behaves as declared', async () => {
    const acc = `ACC-${run}-5`;
    const erp = `C-${run}-5`;
    await send(
      updated(
        'crm',
        acc,
        {
          name: 'Conflict AG',
          email: `conflict.${run}@example.com`,
          accountType: 'customer',
          accountOwner: 'Alice',
        },
        { at: T0 },
      ),
    );
    await send(
      updated('erp', erp, { email: `conflict.${run}@example.com`, status: 'active' }, { at: T0 + 1 }),
    );
    const id = (await customer('crm', acc)).id as string;
    const at = T0 + 3_600_000;
    // Five seconds apart in source time, delivered newest first: the ERP's older phone loses, its
    // status wins anyway (source of truth), the owner goes to review, the notes are merged.
    await send(
      updated(
        'crm',
        acc,
        { phone: 'crm-phone', status: 'on-hold', accountOwner: 'Alice Smith', notes: 'Called on Monday.' },
        { at: at + 5_000 },
      ),
    );
    await send(
      updated(
        'erp',
        erp,
        { phone: 'erp-phone', status: 'blocked', accountOwner: 'Bob', notes: 'Dunning stopped.' },
        { at },
      ),
    );
    const after = await customer('crm', acc);
    expect(after.fields).toMatchObject({
      phone: 'crm-phone', // last writer wins by source timestamp
      status: 'blocked', // source of truth (ERP) wins the race
      notes: 'Called on Monday.\n\nDunning stopped.', // merge: both kept
    });
    // Manual review: the account owner is held until a steward decides.
    const items = (await api('/v1/review-items?kind=conflict')).body as Array<Record<string, any>>;
    const review = items.find((i) => i.customerId === id && i.field === 'accountOwner');
    expect(review).toBeDefined();
    expect(review!.candidates.map((c: { system: string; value: string }) => [c.system, c.value])).toEqual([
      ['crm', 'Alice Smith'],
      ['erp', 'Bob'],
    ]);
    expect(after.fields.accountOwner).toBe('Alice Smith');

    const path = `/v1/review-items/${review!.id}/resolve`;
    const bob = review!.candidates.findIndex((c: { value: string }) => c.value === 'Bob');
    expect((await api(path, null, { method: 'POST', body: JSON.stringify({ candidate: bob }) })).status).toBe(
      401,
    );
    expect(
      (await api(path, 'wrong-token-000000000000000000000', { method: 'POST', body: '{}' })).status,
    ).toBe(401);
    expect(
      (await api(path, undefined, { method: 'POST', body: JSON.stringify({ candidate: bob }) })).status,
    ).toBe(403);
    const done = await api(path, STEWARD_TOKEN, { method: 'POST', body: JSON.stringify({ candidate: bob }) });
    expect(done).toMatchObject({
      status: 201,
      body: { status: 'resolved', resolution: { value: 'Bob', chosenSystem: 'erp' } },
    });
    expect((await customer('crm', acc)).fields.accountOwner).toBe('Bob');
    // Published like any change: to the receivers, not to the ERP the value came from.
    const owners = (await db.synced(id)).filter((s) => s.fields.accountOwner === 'Bob');
    expect(owners.map((s) => s.target)).toEqual(['support']);
    expect(owners[0].origin).toMatchObject({ actor: 'steward:dana' });
    // Other fields of the same customer (the ERP's merged notes) may be audited after it.
    const audit = (await api(`/v1/customers/${id}/audit`)).body as Array<Record<string, unknown>>;
    expect(audit.filter((entry) => entry.field === 'accountOwner').at(-1)).toMatchObject({
      kind: 'resolution',
      field: 'accountOwner',
      newValue: 'Bob',
      actor: 'steward:dana',
    });
  });

  it('out-of-order delivery: an older update arriving after a newer one never overwrites it', async () => {
    const acc = `ACC-${run}-6`;
    await send(updated('crm', acc, { name: 'Order KG', phone: 'v3' }, { at: T0 + 3000 }));
    await send(
      updated('crm', acc, { phone: 'v1' }, { at: T0 + 1000 }),
      updated('crm', acc, { phone: 'v2' }, { at: T0 + 2000 }),
    );
    expect((await customer('crm', acc)).fields.phone).toBe('v3');
  });

  it('delete in the master deactivates downstream and is never resurrected; a non-master delete only unlinks', async () => {
    const acc = `ACC-${run}-7`;
    const erp = `C-${run}-7`;
    await send(
      updated(
        'crm',
        acc,
        { name: 'Gone SpA', email: `gone.${run}@example.com`, accountType: 'customer' },
        { at: T0 },
      ),
    );
    await send(updated('erp', erp, { email: `gone.${run}@example.com` }, { at: T0 + 1 }));
    const id = (await customer('crm', acc)).id as string;
    // The CRM may not delete an ERP customer: it stays active.
    await send(updated('crm', acc, {}, { deleted: true, at: T0 + 2 }));
    expect((await api(`/v1/customers/${id}`)).body.status).toBe('active');
    await send(updated('erp', erp, {}, { deleted: true, at: T0 + 10 }));
    const gone = (await api(`/v1/customers/${id}`)).body;
    expect(gone).toMatchObject({ status: 'inactive', deactivatedAt: expect.any(String) });
    // A late update with a newer timestamp still does not bring it back.
    await send(updated('erp', erp, { phone: '123' }, { at: T0 + 999_999 }));
    expect((await api(`/v1/customers/${id}`)).body).toMatchObject({ status: 'inactive' });
    expect((await api(`/v1/customers/${id}`)).body.fields.phone).toBeUndefined();
    const refused = (await api(`/v1/customers/${id}/refused-changes`)).body as Array<{ reason: string }>;
    expect(refused.map((r) => r.reason)).toEqual(['delete_not_master', 'record_deleted']);
  });

  it('two CRM accounts merged into one merge their cross-references', async () => {
    await send(updated('crm', `ACC-${run}-8a`, { name: 'Merge One', email: `m1.${run}@example.com` }));
    await send(
      updated('crm', `ACC-${run}-8b`, { name: 'Merge Two', email: `m2.${run}@example.com`, notes: 'VIP' }),
    );
    await send(updated('erp', `C-${run}-8a`, { email: `m1.${run}@example.com`, paymentTerms: 'NET30' }));
    const loser = await customer('crm', `ACC-${run}-8a`);
    await send(updated('crm', `ACC-${run}-8a`, {}, { deleted: true, mergedIntoExternalId: `ACC-${run}-8b` }));
    const survivor = await customer('crm', `ACC-${run}-8b`);
    expect(
      survivor.crossReferences.map((x: { system: string; externalId: string; status: string }) => [
        x.system,
        x.externalId,
        x.status,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['crm', `ACC-${run}-8a`, 'merged'],
        ['crm', `ACC-${run}-8b`, 'active'],
        ['erp', `C-${run}-8a`, 'active'],
      ]),
    );
    expect(survivor.fields).toMatchObject({ name: 'Merge Two', paymentTerms: 'NET30', notes: 'VIP' });
    expect((await api(`/v1/customers/${loser.id}`)).body).toMatchObject({
      status: 'merged',
      mergedInto: survivor.id,
    });
    const toErp = (await db.synced(survivor.id)).filter((s) => s.action === 'merge');
    expect(toErp).toEqual([
      expect.objectContaining({ target: 'erp', targetExternalId: `C-${run}-8a`, mergedCustomerId: loser.id }),
    ]);
  });

  it('data types: special characters, long text, time zones, and null or empty required fields refused with a reason', async () => {
    const acc = `ACC-${run}-9`;
    const name = `Ünïcödé “quoted” 'single' \\ back <tag> & emoji 🎉 — 中文 ${run}`;
    const notes = 'Lorem ipsum dolor sit amet. '.repeat(700).trim(); // 19,599 characters
    // +02:00 at 12:00 is 10:00Z; -05:00 at 05:30 is 10:30Z: the second is newer whatever the strings say.
    await send(
      updated(
        'crm',
        acc,
        { name, notes, phone: '+1 (555) 010-0000' },
        {
          changedAt: '2025-06-01T12:00:00+02:00',
        },
      ),
    );
    await send(
      sources.event('customer_updated', 'crm', {
        system: 'crm',
        entity: 'account',
        externalId: acc,
        changedAt: '2025-06-01T05:30:00-05:00',
        fields: { phone: null, name: '   ' },
      }),
    );
    const saved = await customer('crm', acc);
    expect(saved.fields.name).toBe(name);
    expect(saved.fields.notes).toHaveLength(notes.length);
    expect(saved.fields).not.toHaveProperty('phone', 'null');
    const [row] = await db.rows<{ phone: unknown; kind: string }>(
      `SELECT data->'phone' AS phone, jsonb_typeof(data->'phone') AS kind FROM customer_sync.customer WHERE id = $1`,
      [saved.id],
    );
    expect(row).toEqual({ phone: null, kind: 'null' }); // a JSON null, never the string "null"
    const refused = (await api(`/v1/customers/${saved.id}/refused-changes`)).body;
    expect(refused).toEqual([
      expect.objectContaining({
        field: 'name',
        reason: 'required',
        message: expect.stringContaining('name is required and cannot be cleared'),
      }),
    ]);
    const audit = (await api(`/v1/customers/${saved.id}/audit`)).body as Array<Record<string, unknown>>;
    expect(audit.find((a) => a.field === 'phone' && a.kind === 'change')).toMatchObject({
      oldValue: '+1 (555) 010-0000',
      newValue: null,
      changedAt: '2025-06-01T10:30:00.000Z',
    });

    // A new record without its required name is dead-lettered with the reason, never stored.
    const nameless = updated('crm', `ACC-${run}-9x`, { name: null, email: `nameless.${run}@example.com` });
    await send(nameless);
    expect(await db.customerIdByRef('crm', 'account', `ACC-${run}-9x`)).toBeNull();
    expect(
      await db.count(
        `SELECT count(*) FROM customer_sync.inbox_message WHERE id = $1 AND status = 'dead_lettered'`,
        [nameless.id],
      ),
    ).toBe(1);
    const [dead] = await db.rows<{ payload: string }>(
      `SELECT payload FROM customer_sync.outbox_message WHERE topic = 'switchboard.dlq.customer-sync' AND payload LIKE $1`,
      [`%${nameless.id}%`],
    );
    expect(JSON.parse(dead.payload)).toMatchObject({
      errorCode: 'required_field_missing',
      reason: expect.stringContaining('A new account needs name'),
    });
  });

  it('audit trail: every applied change with old and new value, source system, event id, actor and time, in order', async () => {
    const acc = `ACC-${run}-10`;
    const first = updated('crm', acc, { name: 'Audit Ltd', phone: '1' }, { at: T0 });
    const second = updated('crm', acc, { phone: '2' }, { at: T0 + 1000 });
    await send(first);
    await send(second);
    const id = (await customer('crm', acc)).id as string;
    const audit = (await api(`/v1/customers/${id}/audit`)).body as Array<Record<string, unknown>>;
    expect(
      audit.map((a) => [
        a.kind,
        a.field,
        a.oldValue,
        a.newValue,
        a.sourceSystem,
        a.eventId,
        a.actor,
        a.changedAt,
      ]),
    ).toEqual([
      ['create', 'name', null, 'Audit Ltd', 'crm', first.id, 'system:crm', iso(T0)],
      ['create', 'phone', null, '1', 'crm', first.id, 'system:crm', iso(T0)],
      ['change', 'phone', '1', '2', 'crm', second.id, 'system:crm', iso(T0 + 1000)],
    ]);
    expect((await api(`/v1/customers/${id}/audit`, null)).status).toBe(401);
  });
});
