import {
  DownstreamError,
  type CrmAccount,
  type CrmAccountChanges,
  type CrmAccounts,
  type CrmApplyOutcome,
  type CrmLead,
  type CrmLeadOutcome,
  type CrmTask,
  type CrmTaskOutcome,
} from '@switchboard/downstream';
import type { TrytonClient } from './tryton-client';
import { partyToCustomerFields, partyWriteValues, TrytonParties, type CurrentParty } from './tryton-parties';

/** The relation type from an account party to its owner's party (scripts/tryton-crm-setup.py creates it). */
export const ACCOUNT_OWNER_RELATION = 'Account owner';

/** The party category crm-sync files payment statuses under (scripts/tryton-crm-setup.py creates it). */
export const PAYMENT_STATUS_CATEGORY = 'Payment status';

/** The identifier type a VAT number is kept under (Tryton's EU VAT: it validates the number). */
const VAT_TYPE = 'eu_vat';

/** What the CRM party has of the fields beside its address, with the Tryton ids a write needs. */
export interface CrmPartyExtras {
  /** The party's VAT identifier, if it has one. */
  vat: { id: number; code: string } | null;
  paymentTermId: number | null;
  /** The party's categories under `Payment status` (normally one). */
  statusCategoryIds: number[];
}

/** Tryton ids of the wanted payment term and status category, resolved (found or created) beforehand. */
export interface CrmRefs {
  countryId: number | null;
  paymentTermId: number | null;
  statusCategoryId: number | null;
}

/**
 * The `party.party.write` values that bring a CRM party to the changes: only what differs.
 * The address goes through the ERP's party mapping (partyWriteValues); a cleared address leaves the
 * CRM's as it is (the CRM keeps its own until the ERP sends a new one). The VAT number is the party's
 * EU VAT identifier, the payment terms its customer payment term, the payment status one category
 * under `Payment status` (a new status replaces the old, null removes it).
 */
export function crmWriteValues(
  party: CurrentParty,
  extras: CrmPartyExtras,
  changes: CrmAccountChanges,
  refs: CrmRefs,
): Record<string, unknown> {
  const values = changes.billingAddress
    ? partyWriteValues(party, { billingAddress: changes.billingAddress }, refs.countryId)
    : {};
  if (changes.vatNumber !== undefined) {
    const wanted = changes.vatNumber;
    const { vat } = extras;
    if (vat && wanted === null) values.identifiers = [['delete', [vat.id]]];
    else if (vat && wanted !== null && vat.code !== wanted)
      values.identifiers = [['write', [vat.id], { code: wanted }]];
    else if (!vat && wanted !== null) values.identifiers = [['create', [{ type: VAT_TYPE, code: wanted }]]];
  }
  if (changes.paymentTerms !== undefined && refs.paymentTermId !== extras.paymentTermId) {
    values.customer_payment_term = refs.paymentTermId;
  }
  if (changes.paymentStatus !== undefined) {
    const wanted = refs.statusCategoryId;
    const stale = extras.statusCategoryIds.filter((id) => id !== wanted);
    const ops: Array<['remove' | 'add', number[]]> = [];
    if (stale.length > 0) ops.push(['remove', stale]);
    if (wanted !== null && !extras.statusCategoryIds.includes(wanted)) ops.push(['add', [wanted]]);
    if (ops.length > 0) values.categories = ops;
  }
  return values;
}

/** The line of a task's comment that carries Switchboard's task id (found again by it). */
export function taskReference(taskId: string): string {
  return `Switchboard task ${taskId}`;
}

/** Tryton ids a task is created with: the account party, its assignee's employee and company. */
export interface CrmTaskRefs {
  partyId: number;
  employeeId: number;
  companyId: number;
}

/**
 * The `project.work.create` values of a task (project / project_plan): a work of type `task` on the
 * account party, allocated in full to the assignee's employee; the priority, the reason and the
 * source record lead its comment, and the task reference ends it.
 */
export function crmTaskValues(task: CrmTask, refs: CrmTaskRefs): Record<string, unknown> {
  const comment = [
    `Priority: ${task.priority}`,
    `Source: ${task.reason} ${task.sourceReference}`,
    ...(task.description ? ['', task.description] : []),
    '',
    taskReference(task.taskId),
  ].join('\n');
  return {
    name: task.subject,
    type: 'task',
    company: refs.companyId,
    party: refs.partyId,
    comment,
    allocations: [['create', [{ employee: refs.employeeId, percentage: 100 }]]],
  };
}

/** Tryton ids a lead's account is created with: its owner's party and the account-owner relation type. */
export interface CrmLeadRefs {
  ownerPartyId: number;
  ownerRelationTypeId: number;
}

/** The `party.party.create` values of a lead: the account, its e-mail and phone, related to its owner. */
export function crmLeadValues(lead: CrmLead, refs: CrmLeadRefs): Record<string, unknown> {
  const mechanisms = [
    ...(lead.email ? [{ type: 'email', value: lead.email }] : []),
    ...(lead.phone ? [{ type: 'phone', value: lead.phone }] : []),
  ];
  return {
    code: lead.accountId,
    name: lead.name,
    ...(mechanisms.length > 0 ? { contact_mechanisms: [['create', mechanisms]] } : {}),
    relations: [['create', [{ to: refs.ownerPartyId, type: refs.ownerRelationTypeId }]]],
  };
}

/**
 * The CRM's accounts on a Tryton database of their own with Tryton's CRM modules (`crm`, see
 * deploy/real-systems.sh): an account is a party whose code is the CRM account id, read and written
 * with the ERP's party mapping (TrytonParties) plus what only the CRM receives (VAT identifier,
 * payment terms, payment status category). Payment terms and status categories the CRM does not
 * know yet are created by name, as the ERP and finance name them. A task is a project work of type
 * `task` on the account party, allocated to the employee of the assignee's user (Tryton's CRM
 * modules have no activity model; `project_plan`'s allocation is its "assigned to"). A lead is a
 * party related to its owner's employee party by the `Account owner` relation.
 */
export class TrytonCrmAccounts implements CrmAccounts {
  readonly name: string;
  private readonly parties: TrytonParties;
  private statusParent: number | null = null;

  constructor(private readonly client: TrytonClient) {
    this.name = client.options.name;
    this.parties = new TrytonParties(client);
  }

  async findAccount(accountId: string): Promise<CrmAccount | null> {
    const ids = await this.client.model<number[]>('party.party', 'search', [['code', '=', accountId]], 0, 1);
    const [snapshot] = ids.length > 0 ? await this.parties.snapshots(ids) : [];
    if (!snapshot) return null;
    const extras = await this.extras(snapshot.id);
    const [status] =
      extras.statusCategoryIds.length > 0
        ? await this.client.model<Array<{ name: string }>>(
            'party.category',
            'read',
            extras.statusCategoryIds.slice(0, 1),
            ['name'],
          )
        : [];
    return {
      accountId: snapshot.code,
      name: snapshot.name,
      vatNumber: snapshot.vatNumber,
      billingAddress: partyToCustomerFields(snapshot).billingAddress ?? null,
      paymentTerms: snapshot.paymentTerms,
      paymentStatus: status?.name ?? null,
    };
  }

  async applyToAccount(accountId: string, changes: CrmAccountChanges): Promise<CrmApplyOutcome> {
    const party = await this.parties.current([accountId]);
    if (!party) return 'account_missing';
    const extras = await this.extras(party.id);
    const refs: CrmRefs = {
      countryId: changes.billingAddress ? await this.parties.countryId(changes.billingAddress.country) : null,
      paymentTermId: changes.paymentTerms ? await this.paymentTermId(changes.paymentTerms) : null,
      statusCategoryId: changes.paymentStatus ? await this.statusCategoryId(changes.paymentStatus) : null,
    };
    const values = crmWriteValues(party, extras, changes, refs);
    if (Object.keys(values).length === 0) return 'unchanged';
    await this.client.model('party.party', 'write', [party.id], values);
    return 'applied';
  }

  async knownUsers(logins: readonly string[]): Promise<string[]> {
    if (logins.length === 0) return [];
    const users = await this.client.model<Array<{ login: string }>>(
      'res.user',
      'search_read',
      [
        ['login', 'in', [...new Set(logins)]],
        ['employee', '!=', null],
      ],
      0,
      null,
      null,
      ['login'],
    );
    return users.map((user) => user.login);
  }

  async openTask(task: CrmTask): Promise<CrmTaskOutcome> {
    const [existing] = await this.client.model<number[]>(
      'project.work',
      'search',
      [['comment', 'like', `%${taskReference(task.taskId)}%`]],
      0,
      1,
    );
    if (existing !== undefined) return 'exists';
    const [partyId] = await this.client.model<number[]>(
      'party.party',
      'search',
      [['code', '=', task.accountId]],
      0,
      1,
    );
    if (partyId === undefined) return 'account_missing';
    const [user] = await this.client.model<
      Array<{ employee: number | null; 'employee.': { company: number } | null }>
    >('res.user', 'search_read', [['login', '=', task.assignee]], 0, 1, null, [
      'employee',
      'employee.company',
    ]);
    if (!user?.employee || !user['employee.']) {
      throw new DownstreamError(
        'validation',
        this.name,
        `${this.name}: the assignee of task ${task.taskId} has no active user with an employee`,
      );
    }
    await this.client.model('project.work', 'create', [
      crmTaskValues(task, {
        partyId,
        employeeId: user.employee,
        companyId: user['employee.'].company,
      }),
    ]);
    return 'created';
  }

  async openLead(lead: CrmLead): Promise<CrmLeadOutcome> {
    const [existing] = await this.client.model<number[]>(
      'party.party',
      'search',
      [
        ['code', '=', lead.accountId],
        ['active', 'in', [true, false]],
      ],
      0,
      1,
    );
    if (existing !== undefined) return 'exists';
    const [user] = await this.client.model<Array<{ 'employee.': { party: number } | null }>>(
      'res.user',
      'search_read',
      [['login', '=', lead.owner]],
      0,
      1,
      null,
      ['employee.party'],
    );
    const [relationType] = await this.client.model<number[]>(
      'party.relation.type',
      'search',
      [['name', '=', ACCOUNT_OWNER_RELATION]],
      0,
      1,
    );
    if (!user?.['employee.'] || relationType === undefined) {
      throw new DownstreamError(
        'validation',
        this.name,
        `${this.name}: no user with an employee for the lead's owner, or no relation type "${ACCOUNT_OWNER_RELATION}" (scripts/tryton-crm-setup.py creates them)`,
      );
    }
    await this.client.model('party.party', 'create', [
      crmLeadValues(lead, { ownerPartyId: user['employee.'].party, ownerRelationTypeId: relationType }),
    ]);
    return 'created';
  }

  private async extras(partyId: number): Promise<CrmPartyExtras> {
    const [party] = await this.client.model<
      Array<{ identifiers: number[]; customer_payment_term: number | null; categories: number[] }>
    >('party.party', 'read', [partyId], ['identifiers', 'customer_payment_term', 'categories']);
    const [vat] = await this.client.model<Array<{ id: number; code: string }>>(
      'party.identifier',
      'search_read',
      [
        ['party', '=', partyId],
        ['type', '=', VAT_TYPE],
      ],
      0,
      1,
      [['id', 'ASC']],
      ['code'],
    );
    const statusCategoryIds =
      party.categories.length > 0
        ? await this.client.model<number[]>('party.category', 'search', [
            ['id', 'in', party.categories],
            ['parent', '=', await this.statusParentId()],
          ])
        : [];
    return { vat: vat ?? null, paymentTermId: party.customer_payment_term, statusCategoryIds };
  }

  /** The payment term of this name; created (due at once, one remainder line) when the CRM has none. */
  private async paymentTermId(name: string): Promise<number> {
    const [id] = await this.client.model<number[]>(
      'account.invoice.payment_term',
      'search',
      [['name', '=', name]],
      0,
      1,
    );
    if (id !== undefined) return id;
    const [created] = await this.client.model<number[]>('account.invoice.payment_term', 'create', [
      { name, lines: [['create', [{ type: 'remainder' }]]] },
    ]);
    return created;
  }

  private async statusCategoryId(status: string): Promise<number> {
    const parent = await this.statusParentId();
    const [id] = await this.client.model<number[]>(
      'party.category',
      'search',
      [
        ['name', '=', status],
        ['parent', '=', parent],
      ],
      0,
      1,
    );
    if (id !== undefined) return id;
    const [created] = await this.client.model<number[]>('party.category', 'create', [
      { name: status, parent },
    ]);
    return created;
  }

  private async statusParentId(): Promise<number> {
    if (this.statusParent !== null) return this.statusParent;
    const [id] = await this.client.model<number[]>(
      'party.category',
      'search',
      [
        ['name', '=', PAYMENT_STATUS_CATEGORY],
        ['parent', '=', null],
      ],
      0,
      1,
    );
    if (id === undefined) {
      throw new DownstreamError(
        'validation',
        this.name,
        `${this.name}: no party category "${PAYMENT_STATUS_CATEGORY}" (scripts/tryton-crm-setup.py creates it)`,
      );
    }
    this.statusParent = id;
    return id;
  }
}
