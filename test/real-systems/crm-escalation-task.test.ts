// An escalated Request Tracker ticket reaches the person who owns the account: a task in the CRM
// (Tryton `crm`, project_plan) allocated to the account owner's employee, opened once whatever is
// redelivered; finance's paid invoice shows on the CRM account and moves the account's contact to
// `paying-customers`, the escalation to `at-risk`. Real Kafka, PostgreSQL, Tryton and Request
// Tracker; the CRM and RT are read and changed through their own APIs. And a lead from a web form
// (not the sales team) lands in the CRM as an account owned by the configured default owner.
import { Client } from 'pg';

import { TrytonClient, taskReference } from '@switchboard/connectors';
import { KafkaPublisher } from '@switchboard/kafka';
import { LocalCluster, eventually, sampleDeal } from '@switchboard/testing';

import { escalationOf } from '../../services/pollers/src/jobs/rt-escalations.job';
import { ingestClient, readApiHeaders } from '../support/cluster';
import { kafkaBrokers, uniqueName } from '../support/stack';
import { crmReader, realSystemsEnv, rtReader, startCrmCluster } from './support';

jest.setTimeout(5 * 60_000);

const RUNNING = ['ingest', 'customer-sync', 'crm-sync', 'marketing-segments'];

interface Task {
  id: number;
  name: string;
  type: string;
  comment: string;
  allocations: number[];
}

describe('an escalated RT ticket becomes a CRM task for the account owner; payments and escalations move the account', () => {
  let cluster: LocalCluster;
  let db: Client;
  let crm: TrytonClient;
  const env = realSystemsEnv();
  const run = uniqueName('ESC');
  const account = `ACC-${run}`;
  const contactId = `CON-${run}`;
  let crmPartyId: number;

  beforeAll(async () => {
    // Ports of its own: the other real-systems suites use 4700, 4900 and 6100.
    process.env.TEST_BASE_PORT ??= '6300';
    ({ cluster, db } = await startCrmCluster({
      suite: 'real-systems-crm-escalation',
      database: 'switchboard_test_real_crm_escalation',
      running: RUNNING,
    }));

    crm = crmReader(env);
    // The account as the sales team keeps it in the CRM: owned by Anna (the `Account owner`
    // relation to her employee's party, scripts/tryton-crm-setup.py).
    const [annaParty] = await crm.model<number[]>('party.party', 'search', [['code', '=', 'sales.anna']]);
    const [ownerType] = await crm.model<number[]>('party.relation.type', 'search', [
      ['name', '=', 'Account owner'],
    ]);
    [crmPartyId] = await crm.model<number[]>('party.party', 'create', [
      {
        code: account,
        name: 'Lago Verde S.p.A.',
        relations: [['create', [{ to: annaParty, type: ownerType }]]],
      },
    ]);
    // What the CRM reports of it (its owner by login), and the won deal that gives marketing its contact.
    const ingest = ingestClient(cluster);
    const posted = await Promise.all([
      ingest.post('crm', {
        id: `evt-${run}-account`,
        type: 'customer_updated',
        data: {
          system: 'crm',
          entity: 'account',
          externalId: account,
          changedAt: new Date().toISOString(),
          fields: {
            name: 'Lago Verde S.p.A.',
            email: `ap+${run.toLowerCase()}@example.com`,
            accountType: 'customer',
            accountOwner: 'sales.anna',
          },
        },
      }),
      ingest.post('crm', {
        id: `evt-${run}-deal`,
        type: 'deal_won',
        data: sampleDeal({
          dealId: `D-${run}`,
          account: { crmAccountId: account, name: 'Lago Verde S.p.A.' },
          contact: { crmContactId: contactId },
        }),
      }),
    ]);
    expect(posted.map((result) => result.status)).toEqual([202, 202]);
    await eventually(async () => expect(await segmentOf(contactId)).toBe('customer'), {
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    // customer-sync knows the account before any signal names it: the tests' invoice_paid and
    // ticket_escalated travel on topics of their own, which may be read before customer_updated's.
    await eventually(
      async () => {
        const { rows } = await db.query(
          `SELECT 1 FROM customer_sync.customer_xref WHERE system = 'crm' AND entity = 'account' AND external_id = $1`,
          [account],
        );
        expect(rows).toHaveLength(1);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  });

  afterAll(async () => {
    await cluster?.stop();
    await db?.end();
  });

  /** The contact's current marketing segment, as marketing-segments' API shows it. */
  const segmentOf = async (contact: string): Promise<string | null> => {
    const response = await fetch(
      `${cluster.url('marketing-segments')}/v1/segment-memberships/by-contact/${contact}`,
      { headers: readApiHeaders() },
    );
    expect(response.status).toBe(200);
    const history = (await response.json()) as Array<{ segment: string; validTo: string | null }>;
    return history.find((membership) => membership.validTo === null)?.segment ?? null;
  };

  /** The account's tasks in the CRM, with the login of the employee each is allocated to. */
  const tasksOf = async (partyId: number) => {
    const tasks = await crm.model<Task[]>(
      'project.work',
      'search_read',
      [
        ['party', '=', partyId],
        ['type', '=', 'task'],
      ],
      0,
      null,
      [['id', 'ASC']],
      ['name', 'type', 'comment', 'allocations'],
    );
    return Promise.all(
      tasks.map(async (task) => {
        const allocations = await crm.model<Array<{ employee: number; percentage: number }>>(
          'project.allocation',
          'read',
          task.allocations,
          ['employee', 'percentage'],
        );
        const employees = await crm.model<Array<{ 'party.': { code: string } }>>(
          'company.employee',
          'read',
          allocations.map((allocation) => allocation.employee),
          ['party.code'],
        );
        return {
          name: task.name,
          comment: task.comment,
          assignedTo: employees.map((employee) => employee['party.'].code),
          percentage: allocations.map((allocation) => allocation.percentage),
        };
      }),
    );
  };

  it('a paid invoice (finance) shows on the CRM account and moves the contact to paying-customers', async () => {
    const posted = await ingestClient(cluster).post('finance', {
      id: `evt-${run}-paid`,
      type: 'invoice_paid',
      data: {
        invoiceNumber: `INV-${run}`,
        crmAccountId: account,
        amount: { amount: '120.00', currency: 'EUR' },
        paidAt: new Date().toISOString(),
      },
    });
    expect(posted.status).toBe(202);
    await eventually(
      async () => {
        const [party] = await crm.model<Array<{ categories: number[] }>>(
          'party.party',
          'read',
          [crmPartyId],
          ['categories'],
        );
        const categories = await crm.model<Array<{ name: string; 'parent.': { name: string } | null }>>(
          'party.category',
          'read',
          party.categories,
          ['name', 'parent.name'],
        );
        expect(categories.map((c) => `${c['parent.']?.name ?? ''}/${c.name}`)).toEqual([
          'Payment status/paid',
        ]);
        expect(await segmentOf(contactId)).toBe('paying-customers');
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  });

  it('an RT escalation opens one task for the account owner in the CRM, once after redeliveries, and moves the contact to at-risk', async () => {
    // A real ticket in the onboarding queue whose priority support raised past the threshold, and
    // what the pollers' rt-escalations job posts for it (its own mapping, posted as `support`).
    const rt = rtReader(env);
    const created = await rt.request<{ id: number | string }>('POST', '/ticket', {
      Queue: env.RT_QUEUE,
      Subject: `Cannot sign in [acct:${account}]`,
    });
    await rt.request('PUT', `/ticket/${created.id}`, { Priority: 90 });
    const ticket = await rt.request<{
      id: number | string;
      Subject: string;
      Priority: string;
      LastUpdated: string;
    }>('GET', `/ticket/${created.id}`);
    const escalation = escalationOf({ ...ticket, id: created.id });
    expect(escalation).not.toBeNull();
    const ingest = ingestClient(cluster);
    expect((await ingest.post('support', escalation!.event)).status).toBe(202);

    const [task] = await eventually(
      async () => {
        const tasks = await tasksOf(crmPartyId);
        if (tasks.length === 0) throw new Error('no task in the CRM yet');
        return tasks;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(task).toEqual({
      name: `Escalated ticket RT-${created.id}: Cannot sign in`,
      comment: expect.stringContaining('Priority: high'),
      assignedTo: ['sales.anna'],
      percentage: [100],
    });
    await eventually(async () => expect(await segmentOf(contactId)).toBe('at-risk'), {
      timeoutMs: 60_000,
      intervalMs: 500,
    });

    // Redelivered: the same event again (the inbox's duplicate), and the same request under a new
    // event id (as a producer re-sending after a crash would: the CRM finds the task by its id).
    const { rows } = await db.query<{ topic: string; message_key: string; payload: string }>(
      `SELECT topic, message_key, payload FROM customer_sync.outbox_message
       WHERE event_type = 'crm_task_requested' AND payload LIKE $1`,
      [`%RT-${created.id}:%`],
    );
    expect(rows).toHaveLength(1);
    const [row] = rows;
    const original = JSON.parse(row.payload) as { id: string; data: { taskId: string } };
    const resent = { ...original, id: `00000000-0000-4000-8000-${String(Date.now()).slice(-12)}` };
    const publisher = new KafkaPublisher({ brokers: kafkaBrokers(), clientId: 'crm-escalation-test' });
    await publisher.connect();
    try {
      await publisher.publish([
        { topic: row.topic, key: row.message_key, value: row.payload, headers: {} },
        { topic: row.topic, key: row.message_key, value: JSON.stringify(resent), headers: {} },
      ]);
    } finally {
      await publisher.disconnect();
    }
    await eventually(
      async () => {
        const handled = await db.query('SELECT 1 FROM crm_sync.inbox_message WHERE id = $1', [resent.id]);
        expect(handled.rowCount).toBe(1);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const tasks = await tasksOf(crmPartyId);
    expect(tasks).toHaveLength(1);
    expect(tasks[0].comment).toContain(taskReference(original.data.taskId));
    // Handled, not set aside: crm-sync dead-lettered none of this task's requests.
    const deadLettered = await db.query(
      `SELECT 1 FROM crm_sync.outbox_message WHERE event_type = 'dead_letter' AND payload LIKE $1`,
      [`%${original.data.taskId}%`],
    );
    expect(deadLettered.rowCount).toBe(0);
  });

  it('a web-form lead (ecommerce, no owner) lands in the CRM owned by the default owner, once', async () => {
    const externalId = `WEB-${run}`;
    const lead = (n: number) => ({
      id: `evt-${run}-lead-${n}`,
      type: 'customer_updated',
      data: {
        system: 'ecommerce',
        entity: 'account',
        externalId,
        changedAt: new Date().toISOString(),
        fields: {
          name: 'Trattoria Sole',
          email: `info+${run.toLowerCase()}@example.com`,
          accountType: 'prospect',
        },
      },
    });
    const ingest = ingestClient(cluster);
    expect((await ingest.post('ecommerce', lead(1))).status).toBe(202);
    const code = `LEAD-ecommerce-${externalId}`;
    const [partyId] = await eventually(
      async () => {
        const found = await crm.model<number[]>('party.party', 'search', [['code', '=', code]]);
        if (found.length === 0) throw new Error('no lead in the CRM yet');
        return found;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const [party] = await crm.model<Array<{ name: string; relations: number[] }>>(
      'party.party',
      'read',
      [partyId],
      ['name', 'relations'],
    );
    const relations = await crm.model<Array<{ 'to.': { code: string }; 'type.': { name: string } }>>(
      'party.relation.all',
      'read',
      party.relations,
      ['to.code', 'type.name'],
    );
    expect(party.name).toBe('Trattoria Sole');
    expect(relations.map((relation) => [relation['type.'].name, relation['to.'].code])).toEqual([
      ['Account owner', 'crm-default-owner'],
    ]);

    // The same web-form record reported again is the same account.
    const again = await ingest.post('ecommerce', lead(2));
    expect(again.status).toBe(202);
    const { id: againId } = again.body as { id: string };
    await eventually(
      async () => {
        const handled = await db.query('SELECT 1 FROM crm_sync.inbox_message WHERE id = $1', [againId]);
        expect(handled.rowCount).toBe(1);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    await expect(crm.model<number>('party.party', 'search_count', [['code', '=', code]])).resolves.toBe(1);
  });
});
