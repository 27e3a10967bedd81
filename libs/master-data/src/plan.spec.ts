import type { SourceSystem } from '@switchboard/contracts';

import type { FieldValues } from './fields';
import { valueHash } from './normalize';
import { parseOwnership } from './ownership';
import { planChange, planDecided, planMerge, planPublishAll } from './plan';
import { planBatch } from './plan-batch';
import {
  emailCandidateKey,
  emptySnapshot,
  refKey,
  type CrossReference,
  type CustomerRecord,
  type PlanContext,
  type Snapshot,
  type SourceChange,
} from './plan-model';

// The sync rules end to end on plain values: a snapshot and a change in, the plan out. No database,
// no broker; the integration suite test/customer-sync/rules-executors.test.ts runs the same rules
// through both executors against PostgreSQL.

const config = parseOwnership(
  `
version: 1
conflictWindowSeconds: 60
defaultAccountOwner: owner
entities:
  account:
    audit: true
    recordMasters: [erp, crm]
    fields:
      name: { master: crm, writers: [erp], receivers: [erp, support], strategy: source_of_truth, required: true }
      email: { master: crm, receivers: [erp, support], strategy: last_writer_wins }
      vatNumber: { master: erp, receivers: [crm], strategy: source_of_truth }
      phone: { master: crm, writers: [erp], receivers: [erp], strategy: last_writer_wins }
      accountOwner: { master: crm, writers: [erp], receivers: [erp], strategy: manual_review }
      notes: { master: crm, writers: [erp], receivers: [erp], strategy: merge }
      accountType: { master: crm, receivers: [erp], strategy: last_writer_wins }
  contact:
    audit: true
    recordMasters: [crm]
    fields:
      name: { master: crm, receivers: [erp], strategy: last_writer_wins, required: true }
      email: { master: crm, receivers: [erp], strategy: last_writer_wins }
flows:
  - target: erp
    entity: account
    exclude: { accountType: [prospect] }
`,
  'plan.spec',
);

const T = Date.parse('2025-03-15T08:00:00Z');
let ids = 0;
const ctx = (extra: Partial<PlanContext> = {}): PlanContext => ({
  now: T + 3_600_000,
  maxFutureSkewMs: 300_000,
  newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
  sendToLinked: true,
  publish: true,
  ...extra,
});

const change = (over: Partial<SourceChange> = {}): SourceChange => ({
  system: 'crm',
  entity: 'account',
  externalId: 'A1',
  changedAt: T,
  fields: {},
  eventId: 'ev-1',
  actor: 'system:crm',
  ...over,
});

function record(id: string, data: FieldValues, by: SourceSystem = 'crm', at = T - 600_000): CustomerRecord {
  const meta: CustomerRecord['meta'] = {};
  for (const field of Object.keys(data) as Array<keyof FieldValues>)
    meta[field] = { system: by, at, seen: { [by]: at } };
  return {
    id,
    entity: 'account',
    status: 'active',
    parentId: null,
    parentRef: null,
    mergedInto: null,
    data,
    meta,
    version: 1,
    syncedTargets: [by],
  };
}

function xref(
  system: SourceSystem,
  externalId: string,
  customerId: string,
  over: Partial<CrossReference> = {},
): CrossReference {
  return {
    system,
    entity: 'account',
    externalId,
    customerId,
    status: 'active',
    matchedBy: 'created',
    createdAt: T - 1,
    ...over,
  };
}

/** A snapshot with the customers and their cross-references (each also found by its key). */
function snapshot(customers: CustomerRecord[], xrefs: CrossReference[] = []): Snapshot {
  const s = emptySnapshot();
  for (const c of customers) s.customers.set(c.id, c);
  for (const x of xrefs) {
    s.xrefs.set(x.customerId, [...(s.xrefs.get(x.customerId) ?? []), x]);
    s.refs.set(refKey(x.system, x.entity, x.externalId), x);
  }
  return s;
}

const C1 = 'c0000000-0000-4000-8000-000000000001';
const C2 = 'c0000000-0000-4000-8000-000000000002';

describe('planChange: matching', () => {
  it('a known cross-reference updates its customer; nothing else is matched', () => {
    const s = snapshot([record(C1, { name: 'Acme', email: 'a@x.example' })], [xref('crm', 'A1', C1)]);
    const plan = planChange(s, config, change({ fields: { phone: '+39 1' } }), ctx());
    expect(plan.customerId).toBe(C1);
    expect(plan.updates.map((w) => [w.record.id, w.record.data.phone, w.record.version])).toEqual([
      [C1, '+39 1', 2],
    ]);
    expect(plan.newXrefs).toEqual([]);
    expect(plan.tally).toMatchObject({ updated: 1 });
    expect(plan.audits).toEqual([
      expect.objectContaining({ kind: 'change', field: 'phone', newValue: '+39 1' }),
    ]);
    expect(plan.events.map((e) => [e.target, e.fields])).toEqual([
      ['erp', expect.objectContaining({ phone: '+39 1' })],
    ]);
  });

  it('matches a new record by normalised e-mail, links it, audits the link and sends it what it lacks', () => {
    const s = snapshot([record(C1, { name: 'Acme', email: 'a@x.example' })], [xref('crm', 'A1', C1)]);
    s.byEmail.set(emailCandidateKey('account', 'a@x.example'), [C1]);
    const plan = planChange(
      s,
      config,
      change({ system: 'erp', externalId: 'E1', fields: { email: ' A@X.example ' } }),
      ctx(),
    );
    expect(plan.newXrefs).toEqual([
      expect.objectContaining({ system: 'erp', externalId: 'E1', customerId: C1, matchedBy: 'email' }),
    ]);
    expect(plan.audits).toEqual([
      expect.objectContaining({ kind: 'link', newValue: { system: 'erp', externalId: 'E1' } }),
    ]);
    // The canonical e-mail is the CRM's spelling: the ERP gets it, with the name it lacks.
    expect(plan.events).toEqual([
      expect.objectContaining({
        target: 'erp',
        reason: 'linked',
        fields: { name: 'Acme', email: 'a@x.example' },
      }),
    ]);
    expect(plan.sent.map((sent) => sent.field).sort()).toEqual(['email', 'name']);
  });

  it('an initial load links without writing back to the system it loads from', () => {
    const s = snapshot([record(C1, { name: 'Acme', email: 'a@x.example' })], [xref('crm', 'A1', C1)]);
    s.byEmail.set(emailCandidateKey('account', 'a@x.example'), [C1]);
    const plan = planChange(
      s,
      config,
      change({ system: 'erp', externalId: 'E1', fields: { email: 'a@x.example' } }),
      ctx({ sendToLinked: false }),
    );
    expect(plan.newXrefs).toHaveLength(1);
    expect(plan.events).toEqual([]);
  });

  it('matches an account by VAT number when no e-mail matches, never a contact', () => {
    const s = snapshot([record(C1, { name: 'Acme', vatNumber: 'IT123' }, 'erp')]);
    s.byVat.set('IT123', [C1]);
    const plan = planChange(s, config, change({ fields: { name: 'Acme', vatNumber: 'it 123' } }), ctx());
    expect(plan.newXrefs).toEqual([expect.objectContaining({ customerId: C1, matchedBy: 'vat' })]);
    const contact = planChange(
      s,
      config,
      change({ entity: 'contact', fields: { name: 'Carla', vatNumber: 'IT123' } }),
      ctx(),
    );
    expect(contact.inserts).toHaveLength(1);
  });

  it('two candidates are never guessed: a review holds the change, nothing is written', () => {
    const s = snapshot([
      record(C1, { name: 'A', email: 'a@x.example' }),
      record(C2, { name: 'B', email: 'a@x.example' }),
    ]);
    s.byEmail.set(emailCandidateKey('account', 'a@x.example'), [C2, C1]);
    const plan = planChange(s, config, change({ fields: { name: 'A', email: 'a@x.example' } }), ctx());
    expect(plan.matchReviews).toEqual([
      expect.objectContaining({
        candidates: [
          { customerId: C1, rule: 'email' },
          { customerId: C2, rule: 'email' },
        ],
        reason: expect.stringContaining('matches 2 customers by email'),
      }),
    ]);
    expect(plan.tally).toMatchObject({ conflicts: 1, created: 0 });
    expect([...plan.inserts, ...plan.updates, ...plan.newXrefs, ...plan.events]).toEqual([]);
  });

  it('a customer id links only when it was sent to that system; a guessed one is refused and matching goes on', () => {
    const known = { ...record(C1, { name: 'Acme' }), syncedTargets: ['crm', 'erp'] };
    const s = snapshot([known, record(C2, { name: 'Other' })]);
    const linked = planChange(
      s,
      config,
      change({ system: 'erp', externalId: 'E1', switchboardCustomerId: C1, fields: { name: 'Acme' } }),
      ctx(),
    );
    expect(linked.newXrefs).toEqual([expect.objectContaining({ customerId: C1, matchedBy: 'customer_id' })]);
    expect(linked.events).toEqual([]); // it has every value already
    const guessed = planChange(
      s,
      config,
      change({ system: 'erp', externalId: 'E2', switchboardCustomerId: C2, fields: { name: 'New' } }),
      ctx(),
    );
    expect(guessed.refusals).toEqual([
      expect.objectContaining({ reason: 'customer_id_not_sent', field: 'switchboardCustomerId' }),
    ]);
    expect(guessed.inserts).toHaveLength(1);
  });

  it('creates a new customer with every value, its cross-reference, audit rows and events', () => {
    const plan = planChange(
      emptySnapshot(),
      config,
      change({ system: 'erp', externalId: 'E9', fields: { name: 'Neu', vatNumber: 'DE1' } }),
      ctx(),
    );
    const [created] = plan.inserts;
    expect(created.record).toMatchObject({ data: { name: 'Neu', vatNumber: 'DE1' }, version: 1 });
    expect(created.vatKey).toBe('DE1');
    expect(created.record.syncedTargets.sort()).toEqual(['crm', 'erp', 'support']);
    expect(plan.newXrefs).toEqual([
      expect.objectContaining({ customerId: created.record.id, matchedBy: 'created' }),
    ]);
    expect(plan.adoptions).toEqual([{ parentRef: 'erp:E9', accountId: created.record.id }]);
    expect(plan.audits.map((a) => a.field).sort()).toEqual(['name', 'vatNumber']);
    expect(plan.events.map((e) => [e.target, Object.keys(e.fields).sort()]).sort()).toEqual([
      ['crm', ['vatNumber']],
      ['support', ['name']],
    ]);
    expect(plan.tally.created).toBe(1);
  });

  it('a load that publishes nothing sends no event and remembers no value sent', () => {
    const plan = planChange(
      emptySnapshot(),
      config,
      change({ system: 'erp', externalId: 'E9', fields: { name: 'Neu', vatNumber: 'DE1' } }),
      ctx({ publish: false }),
    );
    expect(plan.inserts[0].record.syncedTargets).toEqual(['erp']);
    expect(plan.events).toEqual([]);
    expect(plan.sent).toEqual([]);
  });

  it('a new record without a required field is rejected as a whole', () => {
    const plan = planChange(emptySnapshot(), config, change({ fields: { email: 'x@y.example' } }), ctx());
    expect(plan.rejected).toEqual({ reason: 'required_field_missing', entity: 'account', missing: ['name'] });
    expect(plan.inserts).toEqual([]);
  });
});

describe('planChange: contacts', () => {
  it('a contact joins its account when the account is known, else waits for it by reference', () => {
    const s = snapshot([record(C1, { name: 'Acme' })], [xref('crm', 'A1', C1)]);
    const known = planChange(
      s,
      config,
      change({ entity: 'contact', externalId: 'K1', accountExternalId: 'A1', fields: { name: 'Carla' } }),
      ctx(),
    );
    expect(known.inserts[0].record).toMatchObject({ parentId: C1, parentRef: null });
    const waiting = planChange(
      s,
      config,
      change({ entity: 'contact', externalId: 'K2', accountExternalId: 'A2', fields: { name: 'Carlo' } }),
      ctx(),
    );
    expect(waiting.inserts[0].record).toMatchObject({ parentId: null, parentRef: 'crm:A2' });
  });
});

describe('planChange: conflict strategies', () => {
  const at = (ms: number) => T + ms;

  it('last writer wins: a newer change applies, an older one is stale', () => {
    const s = snapshot([record(C1, { name: 'Acme', phone: '1' }, 'crm', at(0))], [xref('erp', 'E1', C1)]);
    const newer = planChange(
      s,
      config,
      change({ system: 'erp', externalId: 'E1', changedAt: at(5_000), fields: { phone: '2' } }),
      ctx(),
    );
    expect(newer.updates[0].record.data.phone).toBe('2');
    expect(newer.tally).toMatchObject({ updated: 1, conflicts: 1 }); // within the window: a conflict it won
    const older = planChange(
      s,
      config,
      change({ system: 'erp', externalId: 'E1', changedAt: at(-5_000), fields: { phone: '0' } }),
      ctx(),
    );
    expect(older.updates[0].record.data.phone).toBe('1');
    expect(older.tally).toMatchObject({ stale: 1, unchanged: 1 });
  });

  it("source of truth: the master's value wins a race, the loser is kept visible", () => {
    const s = snapshot([record(C1, { name: 'Acme' }, 'crm', at(0))], [xref('erp', 'E1', C1)]);
    const plan = planChange(
      s,
      config,
      change({ system: 'erp', externalId: 'E1', changedAt: at(1_000), fields: { name: 'Acme ERP' } }),
      ctx(),
    );
    expect(plan.updates[0].record.data.name).toBe('Acme');
    expect(plan.refusals).toEqual([expect.objectContaining({ reason: 'conflict_lost', field: 'name' })]);
    expect(plan.tally).toMatchObject({ conflicts: 1, refused: 0 });
    expect(plan.events).toEqual([]);
  });

  it('manual review: a race opens a review with both values; a later value joins it', () => {
    const s = snapshot(
      [record(C1, { name: 'Acme', accountOwner: 'anna' }, 'crm', at(0))],
      [xref('erp', 'E1', C1)],
    );
    const plan = planChange(
      s,
      config,
      change({ system: 'erp', externalId: 'E1', changedAt: at(1_000), fields: { accountOwner: 'bruno' } }),
      ctx(),
    );
    expect(plan.conflictReviews).toEqual([
      expect.objectContaining({
        opened: true,
        review: expect.objectContaining({
          customerId: C1,
          field: 'accountOwner',
          candidates: [
            expect.objectContaining({ value: 'anna', current: true }),
            expect.objectContaining({ value: 'bruno' }),
          ],
        }),
      }),
    ]);
    expect(plan.updates[0].record.data.accountOwner).toBe('anna');
    s.reviews.set(C1, [plan.conflictReviews[0].review]);
    const later = planChange(
      s,
      config,
      change({ system: 'erp', externalId: 'E1', changedAt: at(600_000), fields: { accountOwner: 'carlo' } }),
      ctx(),
    );
    expect(later.conflictReviews).toEqual([
      expect.objectContaining({
        opened: false,
        review: expect.objectContaining({
          candidates: expect.arrayContaining([expect.objectContaining({ value: 'carlo' })]),
        }),
      }),
    ]);
    expect(later.updates[0].record.data.accountOwner).toBe('anna');
  });

  it('merge: both paragraphs of free text are kept', () => {
    const s = snapshot([record(C1, { name: 'Acme', notes: 'from crm' })], [xref('erp', 'E1', C1)]);
    const plan = planChange(
      s,
      config,
      change({ system: 'erp', externalId: 'E1', fields: { notes: 'from erp' } }),
      ctx(),
    );
    expect(plan.updates[0].record.data.notes).toBe('from crm\n\nfrom erp');
  });
});

describe('planChange: echoes and refusals', () => {
  it('a value Switchboard sent coming back is an echo: settled, not applied, not published', () => {
    const s = snapshot([record(C1, { name: 'Acme', phone: '2' })], [xref('erp', 'E1', C1)]);
    s.echoes.set(C1, [{ seq: '7', field: 'phone', hash: valueHash('3') }]);
    const echo = planChange(
      s,
      config,
      change({ system: 'erp', externalId: 'E1', fields: { phone: '3' } }),
      ctx(),
    );
    expect(echo.tally).toMatchObject({ echoes: 1, updated: 0 });
    expect(echo.settledEchoes).toEqual([{ customerId: C1, target: 'erp', field: 'phone', seq: '7' }]);
    expect(echo.updates[0].record.data.phone).toBe('2');
    expect(echo.events).toEqual([]);
    // A value that was never sent is a change.
    const real = planChange(
      s,
      config,
      change({ system: 'erp', externalId: 'E1', fields: { phone: '4' } }),
      ctx(),
    );
    expect(real.tally).toMatchObject({ echoes: 0, updated: 1 });
    expect(real.settledEchoes).toEqual([]);
  });

  it('refuses, visibly: a future timestamp, fields not synced, wrong values, values the system does not own', () => {
    const s = snapshot([record(C1, { name: 'Acme' })], [xref('erp', 'E1', C1)]);
    const future = planChange(s, config, change({ changedAt: T + 86_400_000 }), ctx());
    expect(future.refusals).toEqual([expect.objectContaining({ reason: 'future_timestamp' })]);
    expect(future.updates).toEqual([]);
    const plan = planChange(
      s,
      config,
      change({ system: 'erp', externalId: 'E1', fields: { leadScore: 3, phone: 42, accountType: 'x' } }),
      ctx(),
    );
    expect(plan.refusals.map((r) => [r.field, r.reason])).toEqual([
      ['leadScore', 'not_synced'],
      ['phone', 'invalid_value'],
      ['accountType', 'not_owner'],
    ]);
    expect(plan.tally.refused).toBe(3);
  });

  it('a deleted or merged record, or an inactive customer, takes no late change', () => {
    const s = snapshot(
      [record(C1, { name: 'Acme' }), { ...record(C2, { name: 'Gone' }), status: 'inactive' }],
      [xref('erp', 'E1', C1, { status: 'deleted' }), xref('erp', 'E2', C2)],
    );
    expect(
      planChange(s, config, change({ system: 'erp', externalId: 'E1', fields: { phone: '1' } }), ctx())
        .refusals,
    ).toEqual([expect.objectContaining({ reason: 'record_deleted' })]);
    expect(
      planChange(s, config, change({ system: 'erp', externalId: 'E2', fields: { phone: '1' } }), ctx())
        .refusals,
    ).toEqual([expect.objectContaining({ reason: 'customer_inactive' })]);
  });
});

describe('planChange: deletes and merges', () => {
  it("the record master's delete deactivates the customer and tells every other system", () => {
    const s = snapshot([record(C1, { name: 'Acme' })], [xref('erp', 'E1', C1), xref('crm', 'A1', C1)]);
    const plan = planChange(s, config, change({ system: 'erp', externalId: 'E1', deleted: true }), ctx());
    expect(plan.updates[0].record).toMatchObject({ status: 'inactive', version: 2 });
    expect(plan.xrefStatus).toEqual([
      { system: 'erp', entity: 'account', externalId: 'E1', status: 'deleted' },
    ]);
    expect(plan.events).toEqual([
      expect.objectContaining({ target: 'crm', action: 'deactivate', reason: 'deleted_in_master' }),
    ]);
    expect(plan.audits).toEqual([expect.objectContaining({ kind: 'deactivate' })]);
  });

  it('a delete also deactivates the customer in a receive-only system it was sent to (no link names it)', () => {
    const withBook = parseOwnership(
      `
version: 1
conflictWindowSeconds: 60
defaultAccountOwner: owner
entities:
  account:
    recordMasters: [crm]
    fields:
      name: { master: crm, receivers: [erp], strategy: last_writer_wins, required: true }
  contact:
    recordMasters: [crm]
    fields:
      name: { master: crm, receivers: [erp, contacts], strategy: last_writer_wins, required: true }
      phone: { master: crm, writers: [erp], receivers: [contacts], strategy: last_writer_wins }
`,
      'plan.spec receive-only',
    );
    const sent = (syncedTargets: SourceSystem[]) =>
      planChange(
        snapshot(
          [{ ...record(C1, { name: 'Ada' }), entity: 'contact', syncedTargets }],
          [xref('crm', 'K1', C1, { entity: 'contact' })],
        ),
        withBook,
        change({ entity: 'contact', externalId: 'K1', deleted: true }),
        ctx(),
      ).events.map((event) => [event.target, event.action]);
    expect(sent(['erp', 'contacts'])).toEqual([['contacts', 'deactivate']]);
    // Never sent to the address book (e.g. before it was a receiver): nothing to deactivate there.
    expect(sent(['erp'])).toEqual([]);
  });

  it("another system's delete only unlinks its record, and says so", () => {
    const s = snapshot([record(C1, { name: 'Acme' })], [xref('erp', 'E1', C1), xref('crm', 'A1', C1)]);
    const plan = planChange(s, config, change({ deleted: true }), ctx());
    expect(plan.updates).toEqual([]);
    expect(plan.xrefStatus).toEqual([expect.objectContaining({ externalId: 'A1', status: 'deleted' })]);
    expect(plan.refusals).toEqual([expect.objectContaining({ reason: 'delete_not_master' })]);
  });

  it('a delete of a record never synced is refused', () => {
    expect(planChange(emptySnapshot(), config, change({ deleted: true }), ctx()).refusals).toEqual([
      expect.objectContaining({ reason: 'unknown_record' }),
    ]);
  });

  it('a merge of two records makes their customers one: references, missing values, events', () => {
    const loser = { ...record(C1, { name: 'Acme', phone: '1' }), syncedTargets: ['crm', 'support'] };
    const s = snapshot(
      [loser, record(C2, { name: 'Acme Srl' })],
      [xref('crm', 'A1', C1), xref('crm', 'A2', C2, { createdAt: T - 2 }), xref('erp', 'E2', C2)],
    );
    s.refs.set(refKey('crm', 'account', 'A2'), xref('crm', 'A2', C2));
    const plan = planChange(s, config, change({ deleted: true, mergedIntoExternalId: 'A2' }), ctx());
    const byId = new Map(plan.updates.map((w) => [w.record.id, w]));
    expect(byId.get(C1)).toMatchObject({ record: { status: 'merged', mergedInto: C2 }, emailKey: null });
    expect(byId.get(C2)!.record.data).toEqual({ name: 'Acme Srl', phone: '1' });
    expect(byId.get(C2)!.record.syncedTargets.sort()).toEqual(['crm', 'support']);
    expect(plan.xrefMoves).toEqual([{ from: C1, to: C2 }]);
    expect(plan.xrefStatus).toEqual([expect.objectContaining({ externalId: 'A1', status: 'merged' })]);
    expect(plan.events).toEqual([
      expect.objectContaining({
        target: 'erp',
        action: 'merge',
        mergedCustomerId: C1,
        fields: { phone: '1' },
      }),
    ]);
  });

  it('a merge into a record not known yet: that record takes over the customer', () => {
    const s = snapshot([record(C1, { name: 'Acme' })], [xref('crm', 'A1', C1)]);
    const plan = planChange(s, config, change({ deleted: true, mergedIntoExternalId: 'A9' }), ctx());
    expect(plan.newXrefs).toEqual([
      expect.objectContaining({ externalId: 'A9', customerId: C1, matchedBy: 'merged_record' }),
    ]);
    expect(plan.tally.updated).toBe(1);
  });

  it('planMerge: two customers found to be one keep their open reviews unless the survivor has one', () => {
    const s = snapshot(
      [record(C1, { name: 'A' }), record(C2, { name: 'B' })],
      [xref('erp', 'E1', C1), xref('crm', 'A2', C2)],
    );
    s.reviews.set(C1, [
      { id: 'r1', customerId: C1, field: 'accountOwner', candidates: [] },
      { id: 'r2', customerId: C1, field: 'phone', candidates: [] },
    ]);
    s.reviews.set(C2, [{ id: 'r3', customerId: C2, field: 'phone', candidates: [] }]);
    const plan = planMerge(
      s,
      config,
      C1,
      C2,
      { system: 'switchboard', eventId: null, actor: 'a', at: T },
      ctx(),
    );
    expect(plan.reviewMoves).toEqual([{ ids: ['r1'], to: C2 }]);
  });
});

describe('promotion and decisions', () => {
  it('a decided value is written without ownership rules and goes to every receiver but the one it came from', () => {
    const s = snapshot(
      [{ ...record(C1, { name: 'Acme', accountType: 'prospect' }), syncedTargets: ['crm', 'erp'] }],
      [xref('crm', 'A1', C1), xref('erp', 'E1', C1)],
    );
    const { plan, changed } = planDecided(
      s,
      config,
      C1,
      { accountType: 'customer' },
      {
        system: 'switchboard',
        eventId: 'e',
        actor: 'switchboard:promotion',
        at: T,
        kind: 'change',
        valueSystem: 'crm',
      },
      ctx(),
    );
    expect(changed).toEqual(['accountType']);
    expect(plan.updates[0].record.meta.accountType).toMatchObject({ system: 'crm' });
    expect(plan.events).toEqual([
      expect.objectContaining({ target: 'erp', fields: { accountType: 'customer' } }),
    ]);
  });

  it('a prospect is not sent to the ERP; once promoted the ERP gets every field it receives', () => {
    const prospect = record(C1, { name: 'Acme', accountType: 'prospect', phone: '1' });
    const s = snapshot([prospect], [xref('crm', 'A1', C1)]);
    const before = planPublishAll(
      s,
      config,
      C1,
      { system: 'switchboard', eventId: null, actor: 'p', at: T },
      ctx(),
    );
    expect(before.events.map((e) => e.target)).toEqual(['support']);
    const customer = record(C1, { name: 'Acme', accountType: 'customer', phone: '1' });
    const plan = planPublishAll(
      snapshot([customer], [xref('crm', 'A1', C1)]),
      config,
      C1,
      { system: 'switchboard', eventId: null, actor: 'p', at: T },
      ctx(),
    );
    expect(plan.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          target: 'erp',
          fields: { name: 'Acme', accountType: 'customer', phone: '1' },
        }),
      ]),
    );
  });
});

describe('planBatch', () => {
  it('a record later in the batch sees what earlier ones created: no duplicate, contacts linked', () => {
    const changes = [
      change({
        system: 'erp',
        entity: 'contact',
        externalId: 'K1',
        accountExternalId: 'E1',
        fields: { name: 'Carla' },
      }),
      change({ system: 'erp', externalId: 'E1', fields: { name: 'Acme', email: 'a@x.example' } }),
      change({ system: 'erp', externalId: 'E2', fields: { name: 'Acme', email: 'A@x.example' } }),
      change({ system: 'erp', externalId: 'E1', fields: { name: 'Acme' } }),
      change({ system: 'erp', externalId: 'E3', fields: { email: 'b@x.example' } }),
    ];
    const { plan, rejected } = planBatch(emptySnapshot(), config, changes, ctx({ sendToLinked: false }));
    expect(rejected).toEqual([{ index: 4, rejection: expect.objectContaining({ missing: ['name'] }) }]);
    expect(plan.inserts).toHaveLength(2);
    const account = plan.inserts.find((w) => w.record.entity === 'account')!.record.id;
    expect(plan.newXrefs.map((x) => [x.externalId, x.customerId === account])).toEqual([
      ['K1', false],
      ['E1', true],
      ['E2', true],
    ]);
    // Contacts waiting for either of the account's ERP records are adopted.
    expect(plan.adoptions).toEqual([
      { parentRef: 'erp:E1', accountId: account },
      { parentRef: 'erp:E2', accountId: account },
    ]);
    expect(plan.inserts.find((w) => w.record.entity === 'contact')!.record).toMatchObject({
      parentRef: 'erp:E1',
    });
    expect(plan.tally).toMatchObject({ created: 2, unchanged: 2 });
  });
});
