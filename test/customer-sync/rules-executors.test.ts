/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call -- rows are untyped JSON here */
// The same rule scenarios through both executors of a plan against the real database: the live
// path (snapshot -> planChange -> one statement per write, each change in its own transaction)
// and the batch path (set-based snapshot -> planBatch -> unnest writes, each step one transaction).
// Both must leave the same rows: customers, cross-references, audit, refusals, reviews, echo
// memory and the customer_synced events in the outbox. Neither executor holds a rule of its own.
import { join } from 'node:path';

import { DataSource } from 'typeorm';

import { EventRejected } from '@switchboard/inbox';
import { loadOwnershipFile, valueHash, type SourceChange } from '@switchboard/master-data';
import { OutboxWriter } from '@switchboard/outbox';
import { serviceDataSourceOptions } from '@switchboard/platform';

import { customerSyncService } from '../../services/customer-sync/src/service.definition';
import { BatchSync } from '../../services/customer-sync/src/sync/batch-sync';
import { outboxSink } from '../../services/customer-sync/src/sync/outbox-sink';
import { SyncEngine } from '../../services/customer-sync/src/sync/sync-engine';
import { ROOT } from '../support/cluster';
import { databaseUrl } from '../support/stack';
import { SyncDb, provisionCustomerSync, runId } from './support';

jest.setTimeout(120_000);

const config = loadOwnershipFile(join(ROOT, 'deploy/ownership.yaml'));
const T = Math.floor((Date.now() - 86_400_000) / 1000) * 1000;
const ECHO_TTL_HOURS = 24;
/** A day ahead: past any allowed clock skew. */
const FUTURE = Date.now() + 86_400_000;

/** A change of scenario `p` (its prefix makes ids, e-mails and VAT numbers its own). */
type Step = SourceChange[];
interface Scenario {
  name: string;
  /** Each step: one transaction for the batch path, one per change for the live path. */
  steps: (p: string) => Step[];
  /** What the rule under test left: the outcome is not just equal, it did something. */
  check: (outcome: Outcome) => void;
}

function change(
  system: SourceChange['system'],
  externalId: string,
  fields: Record<string, unknown>,
  over: Partial<SourceChange> = {},
): SourceChange {
  return {
    system,
    entity: 'account',
    externalId,
    changedAt: T,
    fields,
    eventId: null,
    actor: `system:${system}`,
    ...over,
  };
}

const SCENARIOS: Scenario[] = [
  {
    name: 'a writer changes a last-writer-wins field',
    steps: (p) => [
      [change('crm', `${p}A1`, { name: 'Acme', email: `a@${p}.example`, phone: '1' })],
      [change('erp', `${p}E1`, { email: `a@${p}.example` }, { changedAt: T + 1000 })],
      [change('erp', `${p}E1`, { phone: '2' }, { changedAt: T + 600_000 })],
    ],
    check: (o) => expect(o.customers[0].data.phone).toBe('2'),
  },
  {
    name: 'matching by e-mail links the record and sends it what it lacks',
    steps: (p) => [
      [change('crm', `${p}A1`, { name: 'Acme', email: `a@${p}.example`, phone: '1' })],
      [change('erp', `${p}E1`, { email: ` A@${p}.EXAMPLE `, vatNumber: `IT${p}1` }, { changedAt: T + 1000 })],
    ],
    check: (o) => {
      expect(o.xrefs).toContainEqual(expect.objectContaining({ system: 'erp', matched_by: 'email' }));
      expect(o.events).toContainEqual(expect.objectContaining({ target: 'erp', reason: 'linked' }));
    },
  },
  {
    name: 'matching by VAT number when no e-mail matches',
    steps: (p) => [
      [change('erp', `${p}E1`, { name: 'Acme', vatNumber: `IT${p}1` })],
      [
        change(
          'crm',
          `${p}A1`,
          { name: 'Acme', vatNumber: `it ${p}1`, email: `n@${p}.example` },
          { changedAt: T + 1000 },
        ),
      ],
    ],
    check: (o) =>
      expect(o.xrefs).toContainEqual(expect.objectContaining({ system: 'crm', matched_by: 'vat' })),
  },
  {
    name: 'two candidates: a review holds the record',
    steps: (p) => [
      [change('crm', `${p}A1`, { name: 'One', email: `x@${p}.example` })],
      [change('crm', `${p}A2`, { name: 'Two', email: `y@${p}.example` })],
      [change('crm', `${p}A2`, { email: `x@${p}.example` }, { changedAt: T + 1000 })],
      [change('erp', `${p}E9`, { name: 'Three', email: `x@${p}.example` }, { changedAt: T + 2000 })],
    ],
    check: (o) => expect(o.reviews).toEqual([expect.objectContaining({ kind: 'ambiguous_match' })]),
  },
  {
    name: "source of truth: the master's value wins a race and the loser is refused visibly",
    steps: (p) => [
      [change('crm', `${p}A1`, { name: 'Acme', email: `a@${p}.example` })],
      [change('erp', `${p}E1`, { email: `a@${p}.example` })],
      [change('crm', `${p}A1`, { name: 'Acme Two' }, { changedAt: T + 10_000 })],
      [change('erp', `${p}E1`, { name: 'Acme ERP' }, { changedAt: T + 20_000 })],
    ],
    check: (o) => {
      expect(o.customers[0].data.name).toBe('Acme Two');
      expect(o.refused).toContainEqual(expect.objectContaining({ reason: 'conflict_lost' }));
    },
  },
  {
    name: 'manual review: a race opens a review, a later value joins it',
    steps: (p) => [
      [change('crm', `${p}A1`, { name: 'Acme', email: `a@${p}.example`, accountOwner: 'anna' })],
      [change('erp', `${p}E1`, { email: `a@${p}.example` })],
      [change('erp', `${p}E1`, { accountOwner: 'bruno' }, { changedAt: T + 5_000 })],
      [change('erp', `${p}E1`, { accountOwner: 'carlo' }, { changedAt: T + 600_000 })],
    ],
    check: (o) => {
      expect(o.reviews).toEqual([expect.objectContaining({ kind: 'conflict', field: 'accountOwner' })]);
      expect(o.reviews[0].candidates.map((c: any) => c.value)).toEqual(['anna', 'bruno', 'carlo']);
    },
  },
  {
    name: 'merge strategy: both paragraphs of the notes are kept',
    steps: (p) => [
      [change('crm', `${p}A1`, { name: 'Acme', email: `a@${p}.example`, notes: 'from crm' })],
      [change('erp', `${p}E1`, { email: `a@${p}.example`, notes: 'from erp' }, { changedAt: T + 1000 })],
    ],
    check: (o) => expect(o.customers[0].data.notes).toBe('from crm\n\nfrom erp'),
  },
  {
    name: 'a value sent coming back is an echo: settled, not a change',
    steps: (p) => [
      [change('crm', `${p}A1`, { name: 'Acme', email: `a@${p}.example`, phone: '1' })],
      [
        change(
          'erp',
          `${p}E1`,
          { name: 'Acme', email: `a@${p}.example`, phone: '1' },
          { changedAt: T + 1000 },
        ),
      ],
    ],
    check: (o) => {
      expect(o.outbound.filter((row: any) => row.target === 'erp')).toEqual([]);
      expect(o.outbound.length).toBeGreaterThan(0);
    },
  },
  {
    name: 'refusals: not the owner, not synced, a wrong value, a future timestamp',
    steps: (p) => [
      [change('crm', `${p}A1`, { name: 'Acme', email: `a@${p}.example` })],
      [change('crm', `${p}A1`, { leadScore: 7, fax: '1', phone: 42 }, { changedAt: T + 1000 })],
      [change('crm', `${p}A1`, { phone: '3' }, { changedAt: FUTURE })],
    ],
    check: (o) =>
      expect(o.refused.map((r: any) => r.reason).sort()).toEqual([
        'future_timestamp',
        'invalid_value',
        'not_owner',
        'not_synced',
      ]),
  },
  {
    name: "deletes: another system's unlinks, the record master's deactivates",
    steps: (p) => [
      [change('erp', `${p}E1`, { name: 'Acme', email: `a@${p}.example` })],
      [change('crm', `${p}A1`, { name: 'Acme', email: `a@${p}.example` }, { changedAt: T + 1000 })],
      [change('crm', `${p}A1`, {}, { deleted: true, changedAt: T + 2000 })],
      [change('erp', `${p}E1`, {}, { deleted: true, changedAt: T + 3000 })],
      [change('erp', `${p}E1`, { phone: '9' }, { changedAt: T + 4000 })],
    ],
    check: (o) => {
      expect(o.customers[0].status).toBe('inactive');
      expect(o.refused.map((r: any) => r.reason)).toEqual(['delete_not_master', 'record_deleted']);
    },
  },
  {
    name: 'a merge of two records makes one customer',
    steps: (p) => [
      [change('crm', `${p}A1`, { name: 'Acme', email: `a@${p}.example`, phone: '1' })],
      [change('crm', `${p}A2`, { name: 'Acme Srl', email: `b@${p}.example` })],
      [change('crm', `${p}A1`, {}, { deleted: true, mergedIntoExternalId: `${p}A2`, changedAt: T + 1000 })],
    ],
    check: (o) => expect(o.customers.map((c: any) => c.status).sort()).toEqual(['active', 'merged']),
  },
  {
    name: 'a contact before its account waits, and is adopted',
    steps: (p) => [
      [change('crm', `${p}K1`, { name: 'Carla' }, { entity: 'contact', accountExternalId: `${p}A1` })],
      [change('crm', `${p}A1`, { name: 'Acme', email: `a@${p}.example` })],
      [change('crm', `${p}K2`, { name: 'Carlo' }, { entity: 'contact', accountExternalId: `${p}A1` })],
    ],
    check: (o) => {
      const contacts = o.customers.filter((c: any) => c.entity === 'contact');
      expect(contacts.map((c: any) => [c.parent_id, c.parent_ref])).toEqual([
        ['crm:account:PA1', null],
        ['crm:account:PA1', null],
      ]);
    },
  },
  {
    name: 'a new record without a required field is rejected as a whole',
    steps: (p) => [[change('erp', `${p}E1`, { email: `a@${p}.example` })]],
    check: (o) => expect(o.rejected).toEqual(['PE1']),
  },
  {
    name: 'many changes of one system in one batch are decided as one at a time',
    steps: (p) => [
      [
        change('erp', `${p}K1`, { name: 'Carla' }, { entity: 'contact', accountExternalId: `${p}E1` }),
        change('erp', `${p}E1`, { name: 'Acme', email: `a@${p}.example`, phone: '1' }),
        change('erp', `${p}E2`, { name: 'Acme', email: `a@${p}.example` }, { changedAt: T + 1000 }),
        change('erp', `${p}E1`, { phone: '2' }, { changedAt: T + 2000 }),
        change('erp', `${p}E3`, { email: `c@${p}.example` }),
        change('erp', `${p}E4`, { name: 'Beta', vatNumber: `DE${p}4` }),
      ],
    ],
    check: (o) => {
      expect(o.xrefs).toContainEqual(expect.objectContaining({ external_id: 'PE2', matched_by: 'email' }));
      expect(o.rejected).toEqual(['PE3']);
      expect(o.customers.find((c: any) => c.entity === 'contact').parent_id).toBe('erp:account:PE1');
    },
  },
];

interface Outcome {
  rejected: string[];
  xrefs: any[];
  customers: any[];
  audits: any[];
  refused: any[];
  reviews: any[];
  outbound: any[];
  events: any[];
}

describe('the sync rules through both executors', () => {
  const run = runId().replace(/[^a-z0-9]/gi, '');
  let dataSource: DataSource;
  let db: SyncDb;
  const outbox = new OutboxWriter(customerSyncService.schema);
  const engine = new SyncEngine(config, { echoTtlHours: ECHO_TTL_HOURS });
  const batch = new BatchSync(config, outbox, {
    echoTtlHours: ECHO_TTL_HOURS,
    maxFutureSkewMs: 300_000,
    sendToLinked: true,
    publish: true,
  });

  beforeAll(async () => {
    await provisionCustomerSync();
    dataSource = await new DataSource(
      serviceDataSourceOptions(customerSyncService, databaseUrl()),
    ).initialize();
    db = new SyncDb();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.close();
  });

  async function rowByRow(steps: Step[]): Promise<string[]> {
    const rejected: string[] = [];
    for (const step of steps) {
      for (const one of step) {
        try {
          await dataSource.transaction((m) => engine.apply(m, one, outboxSink(outbox, m)));
        } catch (error) {
          if (!(error instanceof EventRejected)) throw error;
          rejected.push(one.externalId);
        }
      }
    }
    return rejected;
  }

  async function setBased(steps: Step[]): Promise<string[]> {
    const rejected: string[] = [];
    for (const step of steps) {
      const result = await dataSource.transaction((m) => batch.apply(m, step));
      rejected.push(...result.rejected.map((r) => step[r.index].externalId));
    }
    return rejected;
  }

  /** Every row the scenario left, its customer ids replaced by their first record and its prefix by P. */
  async function outcome(p: string, rejected: string[]): Promise<Outcome> {
    const xrefs = await db.rows<any>(
      `SELECT system, entity, external_id, customer_id, status, matched_by FROM customer_sync.customer_xref
       WHERE external_id LIKE $1 ORDER BY created_at, matched_by <> 'created', system, external_id`,
      [`${p}%`],
    );
    const labels = new Map<string, string>();
    for (const x of xrefs)
      if (!labels.has(x.customer_id)) labels.set(x.customer_id, `${x.system}:${x.entity}:${x.external_id}`);
    const losers = await db.rows<{ id: string; merged_into: string }>(
      `SELECT id, merged_into FROM customer_sync.customer WHERE merged_into = ANY($1::uuid[])`,
      [[...labels.keys()]],
    );
    for (const loser of losers) labels.set(loser.id, `merged into ${labels.get(loser.merged_into)}`);
    const ids = [...labels.keys()];
    const customers = await db.rows<any>(
      `SELECT id, entity, status, parent_id, parent_ref, merged_into, data, meta, version, synced_targets, email_key, vat_key
       FROM customer_sync.customer WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const audits = await db.rows<any>(
      `SELECT customer_id, kind, field, old_value, new_value, source_system, event_id, actor, source_changed_at
       FROM customer_sync.customer_audit WHERE customer_id = ANY($1::uuid[]) ORDER BY seq`,
      [ids],
    );
    const refused = await db.rows<any>(
      `SELECT customer_id, system, entity, external_id, field, value, reason, message, source_changed_at
       FROM customer_sync.refused_change WHERE external_id LIKE $1 ORDER BY seq`,
      [`${p}%`],
    );
    const reviews = await db.rows<any>(
      `SELECT kind, customer_id, entity, field, system, external_id, candidates, incoming, reason, status
       FROM customer_sync.review_item WHERE external_id LIKE $1 ORDER BY created_at, kind`,
      [`${p}%`],
    );
    const outbound = await db.rows<any>(
      `SELECT customer_id, target, field, value_hash FROM customer_sync.sync_outbound
       WHERE customer_id = ANY($1::uuid[]) ORDER BY target, field, value_hash`,
      [ids],
    );
    const events = (
      await db.rows<{ payload: string }>(
        `SELECT payload FROM customer_sync.outbox_message
         WHERE event_type = 'customer_synced' AND message_key = ANY($1::text[]) ORDER BY position`,
        [ids],
      )
    ).map((row) => (JSON.parse(row.payload) as { data: unknown }).data);
    // The echo memory holds hashes: each is named by the value sent (found in the events).
    const sentValues = new Map<string, string>();
    for (const event of events as Array<{ fields: Record<string, unknown> }>)
      for (const value of Object.values(event.fields))
        sentValues.set(valueHash(value), JSON.stringify(value));
    for (const row of outbound) row.value_hash = sentValues.get(row.value_hash) ?? 'a value never sent';
    let text = JSON.stringify({ rejected, xrefs, customers, audits, refused, reviews, outbound, events });
    for (const [id, label] of labels) text = text.split(id).join(label);
    // How far in the future a refused timestamp was depends on when it was refused.
    text = text.replace(/is \d+ s in the future/g, 'is N s in the future');
    const byLabel = (a: any, b: any) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const result = JSON.parse(text.split(p).join('P').split(p.toUpperCase()).join('P')) as Outcome;
    result.customers.sort(byLabel);
    // One batch writes its cross-references at one instant; ambiguous candidates are in id order.
    result.xrefs.sort((a, b) => (a.external_id < b.external_id ? -1 : a.external_id > b.external_id ? 1 : 0));
    for (const review of result.reviews)
      if (review.kind === 'ambiguous_match')
        review.candidates.sort((a: any, b: any) => (a.customerId < b.customerId ? -1 : 1));
    const key = (row: any) => `${row.customer_id} ${row.target} ${row.field} ${row.value_hash}`;
    result.outbound.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    for (const c of result.customers) c.synced_targets.sort();
    return result;
  }

  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const live = `${run}r${SCENARIOS.indexOf(scenario)}x`;
    const load = `${run}s${SCENARIOS.indexOf(scenario)}x`;
    const liveOutcome = await outcome(live, await rowByRow(scenario.steps(live)));
    const setOutcome = await outcome(load, await setBased(scenario.steps(load)));
    scenario.check(liveOutcome);
    expect(setOutcome).toEqual(liveOutcome);
  });
});
