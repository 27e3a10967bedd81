import { ContractViolation, validatePayload, type DealWonV1 } from '@switchboard/contracts';

import type { TrytonClient } from './tryton-client';
import { TrytonDateTime, newestStamp, trytonTimestamp } from './tryton-parties';

/** Tryton's `sale.opportunity` states: a lead, qualified, converted to a sale, then won or lost. */
export type OpportunityState = 'lead' | 'opportunity' | 'converted' | 'won' | 'cancelled' | 'lost';

/** What the pollers read of one CRM opportunity (or lead), decoded. */
export interface OpportunitySnapshot {
  id: number;
  state: OpportunityState;
  /** The newest write or create time of the opportunity (`YYYY-...ffffffZ`). */
  changedAt: string;
  /** The owner: the opportunity's employee and the login of the user who is that employee. */
  owner: { employeeId: number; name: string; login: string | null } | null;
  /** The user who created it and the names of that user's groups; null when Tryton has no such user. */
  creator: { login: string; groups: string[] } | null;
  /** The account: the opportunity's party (its code is the CRM account id). */
  account: {
    code: string | null;
    name: string;
    email: string | null;
    vatNumber: string | null;
    country: string | null;
  } | null;
  /** The opportunity's contact (a contact mechanism of the account) and its name. */
  contact: { id: number; name: string | null; email: string | null } | null;
  /** When it was won or lost (`YYYY-MM-DD`). */
  endDate: string | null;
  description: string | null;
  /** The ISO code of the currency of its confirmed sales. */
  currency: string | null;
  /** The lines of its confirmed sales (what was won, at the prices agreed); empty before it is won. */
  lines: Array<{
    productCode: string | null;
    description: string | null;
    quantity: number;
    unitPrice: string;
  }>;
}

/** The sale states Tryton counts as won for an opportunity (sale_opportunity's `_sale_won_states`). */
const WON_SALE_STATES = ['confirmed', 'processing', 'done'];

/** A Tryton decimal as the contract's amounts: no trailing zeros (`100.0000` -> `100`). */
function plainDecimal(value: string): string {
  return value.includes('.') ? value.replace(/\.?0+$/, '') : value;
}

/** A contact's name as first and last name: the last word is the last name. */
function splitName(name: string | null): { firstName: string | null; lastName: string | null } {
  const words = (name ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { firstName: null, lastName: null };
  if (words.length === 1) return { firstName: null, lastName: words[0] };
  return { firstName: words.slice(0, -1).join(' '), lastName: words.at(-1)! };
}

/** The source event id of an opportunity's deal_won: one per opportunity, whenever and whoever reads it. */
export function opportunityWonEventId(opportunityId: number): string {
  return `crm-opportunity-${opportunityId}-won`;
}

/**
 * A won opportunity as the `deal_won` ingest accepts, or the fields that keep it from being one (no
 * lines, no account e-mail, an owner without a login...): the names only, never the values, so they
 * can be logged. The deal id is the opportunity's id in the CRM (`CRM-OPP-<id>`); the lines are
 * those of its confirmed sales, the product code being the CRM product id erp-orders maps to an ERP
 * item; the tax rate is the configured one (the CRM keeps no tax of its own).
 */
export function opportunityDealWon(
  opportunity: OpportunitySnapshot,
  taxRatePercent: string,
): { ok: true; event: { id: string; type: 'deal_won'; data: DealWonV1 } } | { ok: false; fields: string[] } {
  const account = opportunity.account;
  const contactEmail = opportunity.contact?.email ?? account?.email ?? '';
  const data = {
    dealId: `CRM-OPP-${opportunity.id}`,
    account: {
      crmAccountId: account?.code ?? '',
      name: account?.name ?? '',
      email: account?.email ?? '',
      vatNumber: account?.vatNumber ?? null,
      country: account?.country ?? null,
      // The CRM does not know the ERP's customer number: erp-orders finds or creates the party by account id.
      isProspect: true,
    },
    contact: {
      crmContactId: opportunity.contact ? `CM-${opportunity.contact.id}` : (account?.code ?? ''),
      email: contactEmail,
      ...splitName(opportunity.contact?.name ?? null),
    },
    owner: { crmUserId: opportunity.owner?.login ?? '', name: opportunity.owner?.name ?? null },
    closeDate: opportunity.endDate ?? opportunity.changedAt.slice(0, 10),
    currency: opportunity.currency ?? '',
    lines: opportunity.lines.map((line, index) => ({
      lineNo: index + 1,
      crmProductId: line.productCode ?? '',
      description: line.description || null,
      quantity: plainDecimal(String(line.quantity)),
      unitPrice: plainDecimal(line.unitPrice),
    })),
    taxRatePercent,
    notes: opportunity.description || null,
  };
  try {
    return {
      ok: true,
      event: {
        id: opportunityWonEventId(opportunity.id),
        type: 'deal_won',
        data: validatePayload('deal_won', data),
      },
    };
  } catch (error) {
    if (!(error instanceof ContractViolation)) throw error;
    return { ok: false, fields: [...new Set(error.errors.map((e) => e.field))] };
  }
}

interface OpportunityRecord {
  id: number;
  state: OpportunityState;
  write_date: unknown;
  create_date: unknown;
  employee: number | null;
  create_uid: number | null;
  party: number | null;
  contact: number | null;
  end_date: string | null;
  description: string | null;
  sales: number[];
}

const OPPORTUNITY_FIELDS = [
  'state',
  'write_date',
  'create_date',
  'employee',
  'create_uid',
  'party',
  'contact',
  'end_date',
  'description',
  'sales',
];

/** Ids of one kind, without nulls and repeats. */
const idsOf = (values: Array<number | null | undefined>): number[] => [
  ...new Set(values.filter((v): v is number => typeof v === 'number')),
];

/**
 * The CRM's leads and opportunities on the Tryton CRM database (`sale.opportunity`, module
 * sale_opportunity), for the pollers service: `changedSince` reads the opportunities changed since a
 * time with what a deal_won needs; `assignOwner` writes an owner (employee) onto a lead that has
 * none; `employeeOfLogin` finds the employee of a CRM user.
 */
export class TrytonCrmOpportunities {
  constructor(private readonly client: TrytonClient) {}

  /** Opportunities created or written at or after `since` (ISO), oldest change first. */
  async changedSince(since: string): Promise<OpportunitySnapshot[]> {
    const at = new TrytonDateTime(since);
    const records = await this.client.model<OpportunityRecord[]>(
      'sale.opportunity',
      'search_read',
      [['OR', ['write_date', '>=', at], ['create_date', '>=', at]]],
      0,
      null,
      [['id', 'ASC']],
      OPPORTUNITY_FIELDS,
    );
    if (records.length === 0) return [];
    const [owners, creators, accounts, contacts, sales] = await Promise.all([
      this.owners(idsOf(records.map((r) => r.employee))),
      this.creators(idsOf(records.map((r) => r.create_uid))),
      this.accounts(idsOf(records.map((r) => r.party))),
      this.contacts(idsOf(records.map((r) => r.contact))),
      this.wonSales(records.filter((r) => r.state === 'won').flatMap((r) => r.sales)),
    ]);
    return records
      .map((record) => {
        const own = record.sales.map((id) => sales.get(id)).filter((sale) => sale !== undefined);
        return {
          id: record.id,
          state: record.state,
          changedAt:
            newestStamp([trytonTimestamp(record.write_date), trytonTimestamp(record.create_date)]) ??
            new Date(0).toISOString(),
          owner: (record.employee !== null && owners.get(record.employee)) || null,
          creator: (record.create_uid !== null && creators.get(record.create_uid)) || null,
          account: (record.party !== null && accounts.get(record.party)) || null,
          contact: (record.contact !== null && contacts.get(record.contact)) || null,
          endDate: record.end_date,
          description: record.description,
          currency: own[0]?.currency ?? null,
          lines: own.flatMap((sale) => sale.lines),
        };
      })
      .sort((a, b) => (a.changedAt < b.changedAt ? -1 : a.changedAt > b.changedAt ? 1 : a.id - b.id));
  }

  /** Makes this employee the owner of the opportunity. */
  async assignOwner(opportunityId: number, employeeId: number): Promise<void> {
    await this.client.model('sale.opportunity', 'write', [opportunityId], { employee: employeeId });
  }

  /** The employee of the CRM user with this login; null when there is no such user or it has none. */
  async employeeOfLogin(login: string): Promise<number | null> {
    const [user] = await this.client.model<Array<{ employee: number | null; employees: number[] }>>(
      'res.user',
      'search_read',
      [['login', '=', login]],
      0,
      1,
      null,
      ['employee', 'employees'],
    );
    return user ? (user.employee ?? user.employees[0] ?? null) : null;
  }

  private async owners(
    employeeIds: number[],
  ): Promise<Map<number, NonNullable<OpportunitySnapshot['owner']>>> {
    if (employeeIds.length === 0) return new Map();
    const [employees, users] = await Promise.all([
      this.client.model<Array<{ id: number; 'party.': { name?: string } | null }>>(
        'company.employee',
        'read',
        employeeIds,
        ['party.name'],
      ),
      this.client.model<Array<{ login: string; employee: number | null; employees: number[] }>>(
        'res.user',
        'search_read',
        [['employees', 'in', employeeIds]],
        0,
        null,
        [['id', 'ASC']],
        ['login', 'employee', 'employees'],
      ),
    ]);
    // The user whose current employee it is first, then any user the employee belongs to.
    const loginOf = (id: number): string | null =>
      (users.find((u) => u.employee === id) ?? users.find((u) => u.employees.includes(id)))?.login ?? null;
    return new Map(
      employees.map((e) => [e.id, { employeeId: e.id, name: e['party.']?.name ?? '', login: loginOf(e.id) }]),
    );
  }

  private async creators(
    userIds: number[],
  ): Promise<Map<number, NonNullable<OpportunitySnapshot['creator']>>> {
    if (userIds.length === 0) return new Map();
    const users = await this.client.model<Array<{ id: number; login: string; groups: number[] }>>(
      'res.user',
      'read',
      userIds,
      ['login', 'groups'],
    );
    const groupIds = idsOf(users.flatMap((u) => u.groups));
    const groups = new Map(
      (groupIds.length > 0
        ? await this.client.model<Array<{ id: number; name: string }>>('res.group', 'read', groupIds, [
            'name',
          ])
        : []
      ).map((g) => [g.id, g.name]),
    );
    return new Map(
      users.map((u) => [
        u.id,
        { login: u.login, groups: u.groups.flatMap((id) => (groups.has(id) ? [groups.get(id)!] : [])) },
      ]),
    );
  }

  private async accounts(
    partyIds: number[],
  ): Promise<Map<number, NonNullable<OpportunitySnapshot['account']>>> {
    if (partyIds.length === 0) return new Map();
    const [parties, emails] = await Promise.all([
      this.client.model<
        Array<{
          id: number;
          code: string | null;
          name: string;
          addresses: number[];
          'tax_identifier.': { code?: string } | null;
        }>
      >('party.party', 'read', partyIds, ['code', 'name', 'addresses', 'tax_identifier.code']),
      this.client.model<Array<{ party: number; value: string }>>(
        'party.contact_mechanism',
        'search_read',
        [
          ['party', 'in', partyIds],
          ['type', '=', 'email'],
        ],
        0,
        null,
        [
          ['sequence', 'ASC'],
          ['id', 'ASC'],
        ],
        ['party', 'value'],
      ),
    ]);
    const addressIds = idsOf(parties.map((p) => p.addresses[0]));
    const countries = new Map(
      (addressIds.length > 0
        ? await this.client.model<Array<{ id: number; 'country.': { code?: string } | null }>>(
            'party.address',
            'read',
            addressIds,
            ['country.code'],
          )
        : []
      ).map((a) => [a.id, a['country.']?.code ?? null]),
    );
    return new Map(
      parties.map((p) => [
        p.id,
        {
          code: p.code,
          name: p.name,
          email: emails.find((e) => e.party === p.id)?.value ?? null,
          vatNumber: p['tax_identifier.']?.code ?? null,
          country: p.addresses.length > 0 ? (countries.get(p.addresses[0]) ?? null) : null,
        },
      ]),
    );
  }

  private async contacts(ids: number[]): Promise<Map<number, NonNullable<OpportunitySnapshot['contact']>>> {
    if (ids.length === 0) return new Map();
    const mechanisms = await this.client.model<
      Array<{ id: number; type: string; value: string; name: string | null }>
    >('party.contact_mechanism', 'read', ids, ['type', 'value', 'name']);
    return new Map(
      mechanisms.map((m) => [
        m.id,
        { id: m.id, name: m.name || null, email: m.type === 'email' ? m.value : null },
      ]),
    );
  }

  /** The confirmed (won) sales among these, with their currency and product lines in sequence. */
  private async wonSales(
    saleIds: number[],
  ): Promise<Map<number, { currency: string | null; lines: OpportunitySnapshot['lines'] }>> {
    if (saleIds.length === 0) return new Map();
    const sales = await this.client.model<Array<{ id: number; 'currency.': { code?: string } | null }>>(
      'sale.sale',
      'search_read',
      [
        ['id', 'in', saleIds],
        ['state', 'in', WON_SALE_STATES],
      ],
      0,
      null,
      [['id', 'ASC']],
      ['currency.code'],
    );
    if (sales.length === 0) return new Map();
    const lines = await this.client.model<
      Array<{
        sale: number;
        'product.': { code?: string | null } | null;
        description: string | null;
        quantity: number;
        unit_price: string | null;
      }>
    >(
      'sale.line',
      'search_read',
      [
        ['sale', 'in', sales.map((s) => s.id)],
        ['type', '=', 'line'],
      ],
      0,
      null,
      [
        ['sequence', 'ASC'],
        ['id', 'ASC'],
      ],
      ['sale', 'product.code', 'description', 'quantity', 'unit_price'],
    );
    return new Map(
      sales.map((sale) => [
        sale.id,
        {
          currency: sale['currency.']?.code ?? null,
          lines: lines
            .filter((line) => line.sale === sale.id)
            .map((line) => ({
              productCode: line['product.']?.code ?? null,
              description: line.description,
              quantity: line.quantity,
              unitPrice: line.unit_price ?? '',
            })),
        },
      ]),
    );
  }
}
