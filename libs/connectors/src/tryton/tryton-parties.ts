import type {
  Address,
  CustomerEntity,
  CustomerFields,
  CustomerSyncedV1,
  CustomerUpdatedV1,
} from '@switchboard/contracts';

import { DownstreamError, type DeliveryReceipt } from '@switchboard/downstream';
import type { TrytonClient } from './tryton-client';

/** Tryton's typed timestamp as it travels in JSON-RPC (UTC, microseconds), for search domains. */
export class TrytonDateTime {
  constructor(readonly iso: string) {}
  toJSON(): Record<string, unknown> {
    const at = parseStamp(this.iso);
    return {
      __class__: 'datetime',
      year: at.getUTCFullYear(),
      month: at.getUTCMonth() + 1,
      day: at.getUTCDate(),
      hour: at.getUTCHours(),
      minute: at.getUTCMinutes(),
      second: at.getUTCSeconds(),
      microsecond: Number((/\.(\d{1,6})/.exec(this.iso)?.[1] ?? '0').padEnd(6, '0')),
    };
  }
}

function parseStamp(iso: string): Date {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) throw new Error(`not a timestamp: ${iso}`);
  return at;
}

/**
 * A timestamp of a JSON-RPC answer (`{"__class__": "datetime", ...}`, Tryton stores UTC) as
 * `YYYY-MM-DDTHH:mm:ss.ffffffZ`; microseconds kept, so two writes within a millisecond differ.
 * Null for anything else (a record never written has `write_date: null`).
 */
export function trytonTimestamp(value: unknown): string | null {
  if (!value || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  if (v.__class__ !== 'datetime') return null;
  const pad = (n: unknown, width = 2): string => String(Number(n ?? 0)).padStart(width, '0');
  return `${pad(v.year, 4)}-${pad(v.month)}-${pad(v.day)}T${pad(v.hour)}:${pad(v.minute)}:${pad(v.second)}.${pad(v.microsecond, 6)}Z`;
}

/** The newest of some `YYYY-...ffffffZ` stamps (they sort as strings); null when there is none. */
export function newestStamp(stamps: Array<string | null>): string | null {
  return stamps.reduce<string | null>(
    (newest, s) => (s !== null && (newest === null || s > newest) ? s : newest),
    null,
  );
}

/** What the poller reads of one party, decoded. */
export interface PartySnapshot {
  id: number;
  code: string;
  name: string;
  email: string | null;
  phone: string | null;
  /** The party's tax identifier (Tryton's `tax_identifier`: the first identifier of a tax type). */
  vatNumber: string | null;
  /** The party's first address; `country` is its ISO code (null when Tryton has no country set). */
  address: {
    street: string | null;
    city: string | null;
    postalCode: string | null;
    country: string | null;
  } | null;
  /** The name of the party's customer payment term. */
  paymentTerms: string | null;
  /**
   * The newest write or create time of the party, its first address, its identifiers and its e-mail
   * and phone: a change of any of them (edited on its own record) is a new version of the party.
   */
  changedAt: string;
}

/**
 * A party as the `customer_updated` fields Switchboard's contract knows. Only what Tryton has: a
 * value missing in Tryton is left out (absent = unchanged), never sent as null, so a party without a
 * VAT number does not clear the one the CRM gave at creation. Which of these fields the ERP may
 * change is customer-sync's decision (deploy/ownership.yaml), not the poller's: it refuses the rest.
 */
export function partyToCustomerFields(party: PartySnapshot): CustomerFields {
  const fields: CustomerFields = { name: party.name };
  if (party.email) fields.email = party.email;
  if (party.phone) fields.phone = party.phone;
  if (party.vatNumber) fields.vatNumber = party.vatNumber;
  if (party.paymentTerms) fields.paymentTerms = party.paymentTerms;
  const address = party.address;
  const [line1, ...rest] = (address?.street ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  // The contract's address needs a first line, a city and a country; a partial one is not sent.
  if (address && line1 && address.city && address.country) {
    fields.billingAddress = {
      line1,
      line2: rest.length > 0 ? rest.join(', ') : null,
      city: address.city,
      postalCode: address.postalCode || null,
      country: address.country,
    };
  }
  return fields;
}

/** Whose party it is and which of that system's records it stands for (default: an ERP account). */
export interface PartyRecordKind {
  system: 'erp' | 'crm';
  entity: CustomerEntity;
  /** A contact's account (its party code), so that the contact travels with its customer. */
  accountExternalId?: string | null;
}

const ERP_ACCOUNT: PartyRecordKind = { system: 'erp', entity: 'account' };

/** A party a poller read, with what it stands for in its system. */
export interface PartyChange {
  party: PartySnapshot;
  kind: PartyRecordKind;
  /** Archived in its system (Tryton's `active` off): posted as deleted, with no fields. */
  archived?: boolean;
}

/** The source event id's prefix per system (ids are unique per source; ingest deduplicates on them). */
const EVENT_ID_PREFIX: Record<PartyRecordKind['system'], string> = { erp: 'tryton-party', crm: 'crm-party' };

/**
 * A contact's fields of its party: its own postal address (`address`, an account's is
 * `billingAddress`); VAT number and payment terms are an account's, never a person's.
 */
function contactFields(party: PartySnapshot): CustomerFields {
  const account = partyToCustomerFields(party);
  const fields: CustomerFields = { name: account.name };
  if (account.email) fields.email = account.email;
  if (account.phone) fields.phone = account.phone;
  if (account.billingAddress) fields.address = account.billingAddress;
  return fields;
}

/**
 * The ingest request of one party: `customer_updated` from the ERP (or, with `kind`, the CRM), keyed
 * by the party code (the id erp-orders reports the ERP customer under, the CRM's account or contact
 * id); an archived party is posted as deleted. The source event id is the party id and its newest
 * change time (microseconds): the same party polled again unchanged is the same event for ingest, any
 * edit a new one.
 */
export function partyCustomerUpdated(
  party: PartySnapshot,
  kind: PartyRecordKind = ERP_ACCOUNT,
  archived = false,
): {
  id: string;
  type: 'customer_updated';
  data: CustomerUpdatedV1;
} {
  return {
    id: `${EVENT_ID_PREFIX[kind.system]}-${party.id}-${party.changedAt.replace(/[^0-9]/g, '')}`,
    type: 'customer_updated',
    data: {
      system: kind.system,
      entity: kind.entity,
      externalId: party.code,
      // The contract's times are milliseconds; the event id above keeps Tryton's microseconds.
      changedAt: new Date(party.changedAt).toISOString(),
      fields: archived ? {} : kind.entity === 'contact' ? contactFields(party) : partyToCustomerFields(party),
      ...(archived ? { deleted: true } : {}),
      ...(kind.accountExternalId ? { accountExternalId: kind.accountExternalId } : {}),
    },
  };
}

/** The subset of `customer_synced` the party writer needs (ERP target, account entity). */
export type PartySync = Pick<
  CustomerSyncedV1,
  'customerId' | 'targetExternalId' | 'action' | 'fields' | 'crossReferences'
>;

/** The party's code for a customer: its CRM account id (as erp-orders creates parties), else Switchboard's id. */
export function partyCodeFor(sync: Pick<PartySync, 'customerId' | 'crossReferences'>): string {
  return sync.crossReferences.find((ref) => ref.system === 'crm')?.externalId ?? sync.customerId;
}

interface Mechanism {
  id: number;
  type: string;
  value: string | null;
}

/** A party as the writers read it before changing it (`TrytonParties.current`). */
export interface CurrentParty {
  id: number;
  code: string;
  name: string;
  active: boolean;
  mechanisms: Mechanism[];
  address: {
    id: number;
    street: string | null;
    city: string | null;
    postal_code: string | null;
    country: number | null;
  } | null;
}

type One2ManyOp =
  | ['create', Array<Record<string, unknown>>]
  | ['write', number[], Record<string, unknown>]
  | ['delete', number[]];

/**
 * The `party.party.write` values that bring a party to the received fields: only what differs, so
 * an unchanged customer_synced (the promotion re-sends every field) costs no write. E-mail and
 * phone are contact mechanisms (the first of their type is the one changed or removed); the address
 * is the party's first one. `countryId` is the Tryton id of the address's country, when Tryton has it.
 */
export function partyWriteValues(
  party: CurrentParty,
  fields: CustomerFields,
  countryId: number | null = null,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  if (fields.name && fields.name !== party.name) values.name = fields.name;
  const mechanisms: One2ManyOp[] = [];
  for (const type of ['email', 'phone'] as const) {
    // Absent (undefined) means unchanged; null means cleared.
    if (fields[type] === undefined) continue;
    const wanted = fields[type] ?? null;
    const current = party.mechanisms.find((mechanism) => mechanism.type === type);
    if (current && wanted === null) mechanisms.push(['delete', [current.id]]);
    else if (current && wanted !== null && current.value !== wanted)
      mechanisms.push(['write', [current.id], { value: wanted }]);
    else if (!current && wanted !== null) mechanisms.push(['create', [{ type, value: wanted }]]);
  }
  if (mechanisms.length > 0) values.contact_mechanisms = mechanisms;
  const address = fields.billingAddress ? addressValues(fields.billingAddress, countryId) : null;
  if (address && party.address) {
    const current = party.address;
    const changed =
      address.street !== (current.street ?? '') ||
      address.city !== (current.city ?? '') ||
      address.postal_code !== (current.postal_code ?? '') ||
      (countryId !== null && countryId !== current.country);
    if (changed) values.addresses = [['write', [current.id], address]];
  } else if (address) {
    values.addresses = [['create', [address]]];
  }
  return values;
}

function addressValues(address: Address, countryId: number | null): Record<string, unknown> {
  return {
    street: [address.line1, address.line2].filter(Boolean).join('\n'),
    city: address.city,
    postal_code: address.postalCode ?? '',
    ...(countryId !== null ? { country: countryId } : {}),
  };
}

/**
 * The ids of parties that share their code with an older active party: what a racing create (see
 * `TrytonParties.createOnce`) left behind. `parties` in any order; archived ones never count.
 */
export function laterDuplicates(
  parties: Array<{ id: number; code: string; active?: boolean | number }>,
): number[] {
  const oldest = new Map<string, number>();
  const active = parties.filter((party) => party.active === undefined || Boolean(party.active));
  for (const party of active) {
    const seen = oldest.get(party.code);
    if (seen === undefined || party.id < seen) oldest.set(party.code, party.id);
  }
  return active
    .filter((party) => oldest.get(party.code) !== party.id)
    .map((party) => party.id)
    .sort((a, b) => a - b);
}

const SNAPSHOT_CHUNK = 200;

function codeDomain(codeLike: string | undefined): unknown[] {
  return codeLike ? [['code', 'like', codeLike]] : [];
}

const PARTY_FIELDS = [
  'code',
  'name',
  'active',
  'write_date',
  'create_date',
  'addresses',
  'identifiers',
  'tax_identifier',
  'customer_payment_term',
];

interface PartyRecord {
  id: number;
  code: string;
  name: string;
  active: boolean | number;
  write_date: unknown;
  create_date: unknown;
  addresses: number[];
  identifiers: number[];
  tax_identifier: number | null;
  customer_payment_term: number | null;
}

/**
 * Customer master data on Tryton parties (`party.party`), both ways: `apply` writes the CRM-owned
 * fields a `customer_synced` carries onto the party, `changedSince` reads the parties changed since
 * a time for the pollers service (services/pollers, its Tryton parties job). A party is keyed by its `code` (the CRM
 * account id for parties erp-orders created), searched before it is created, so a retry after a
 * timeout finds the party instead of creating a second one.
 */
export class TrytonParties {
  private readonly countries = new Map<string, number>();

  constructor(
    private readonly client: TrytonClient,
    private readonly name: string = client.options.name,
  ) {}

  /** One `customer_synced` for the ERP: upsert (or merge) writes the fields, deactivate archives the party. */
  async apply(sync: PartySync): Promise<DeliveryReceipt> {
    const code = partyCodeFor(sync);
    const party = await this.current([sync.targetExternalId, code]);
    if (sync.action === 'deactivate') {
      if (party?.active) await this.client.model('party.party', 'write', [party.id], { active: false });
      return { externalId: party?.code ?? null };
    }
    if (!party) return { externalId: await this.create(code, sync.fields) };
    const address = sync.fields.billingAddress;
    const values = partyWriteValues(
      party,
      sync.fields,
      address ? await this.countryId(address.country) : null,
    );
    if (Object.keys(values).length > 0) await this.client.model('party.party', 'write', [party.id], values);
    return { externalId: party.code };
  }

  /** The first party with one of these codes, archived ones included (they are found, not recreated). */
  async current(codes: Array<string | null | undefined>): Promise<CurrentParty | null> {
    const wanted = [...new Set(codes.filter((code): code is string => Boolean(code)))];
    const found = await this.client.model<
      Array<{ id: number; code: string; name: string; active: boolean | number; addresses: number[] }>
    >(
      'party.party',
      'search_read',
      [
        ['code', 'in', wanted],
        ['active', 'in', [true, false]],
      ],
      0,
      null,
      // Oldest first: a racing duplicate (see createOnce) is never the one found.
      [['id', 'ASC']],
      ['code', 'name', 'active', 'addresses'],
    );
    await this.retireDuplicates(found);
    // The target's own id first: it is the record customer-sync linked.
    const party = wanted.map((code) => found.find((record) => record.code === code)).find(Boolean);
    if (!party) return null;
    const mechanisms = await this.client.model<Mechanism[]>(
      'party.contact_mechanism',
      'search_read',
      [
        ['party', '=', party.id],
        ['type', 'in', ['email', 'phone']],
      ],
      0,
      null,
      [
        ['sequence', 'ASC'],
        ['id', 'ASC'],
      ],
      ['type', 'value'],
    );
    const [address] =
      party.addresses.length > 0
        ? await this.client.model<NonNullable<CurrentParty['address']>[]>(
            'party.address',
            'read',
            [party.addresses[0]],
            ['street', 'city', 'postal_code', 'country'],
          )
        : [];
    return {
      id: party.id,
      code: party.code,
      name: party.name,
      active: Boolean(party.active),
      mechanisms,
      address: address ?? null,
    };
  }

  /** A party for a customer the ERP does not have yet (see createOnce for a concurrent create). */
  private async create(code: string, fields: CustomerFields): Promise<string> {
    if (!fields.name) {
      throw new DownstreamError(
        'validation',
        this.name,
        `${this.name}: no party ${code} and no name to create it with`,
      );
    }
    const mechanisms = (['email', 'phone'] as const).flatMap((type) =>
      fields[type] ? [{ type, value: fields[type] }] : [],
    );
    const address = fields.billingAddress
      ? addressValues(fields.billingAddress, await this.countryId(fields.billingAddress.country))
      : {};
    await this.createOnce(code, {
      name: fields.name,
      addresses: [['create', [address]]],
      ...(mechanisms.length > 0 ? { contact_mechanisms: [['create', mechanisms]] } : {}),
    });
    return code;
  }

  /**
   * Creates the party with this code and returns the id of the one party that keeps the code, also
   * when another service creates the same new customer at the same moment (erp-orders for the sale,
   * finance-invoicing for the invoice, this class for customer_synced). A concurrent create is mostly
   * refused by Tryton's unique code (validation): the first party is taken. But on SQLite (the local
   * stack) Tryton checks that constraint in Python after the insert, and a rare interleaving of two
   * transactions passes it twice (once in a 1,000-deal run). SQLite commits one writer at a time in
   * id order, so the creator of the higher id always sees the lower one afterwards: it removes its own
   * party and takes the older one, while the lower id's creator keeps its party.
   */
  async createOnce(code: string, values: Record<string, unknown>): Promise<number> {
    let created: number | undefined;
    try {
      [created] = await this.client.model<number[]>('party.party', 'create', [{ ...values, code }]);
    } catch (error) {
      if (!(error instanceof DownstreamError && error.failureClass === 'validation')) throw error;
      const [first] = await this.idsWithCode(code);
      if (first === undefined) throw error;
      return first;
    }
    const [first] = await this.idsWithCode(code);
    if (first === undefined || first === created) return created;
    await this.retire([created]);
    return first;
  }

  /**
   * Removes parties that hold a code an older party holds: deleted, or archived when something
   * already points at them (an archived party no longer answers to searches). When this fails
   * halfway (Tryton busy), the next lookup of the code finds the duplicate again and retires it
   * (`retireDuplicates`), so a racing create never leaves two active parties behind for long.
   */
  async retire(ids: number[]): Promise<void> {
    for (const id of ids) {
      try {
        await this.client.model('party.party', 'delete', [id]);
      } catch {
        await this.client.model('party.party', 'write', [id], { active: false });
      }
    }
  }

  /**
   * Retires the duplicates a lookup came across (`laterDuplicates`), as well as it can: this is
   * hygiene, not the lookup's answer (the oldest party is the one to use either way), so a failure
   * here never fails the business event, and a duplicate left now is retired by a later lookup.
   */
  async retireDuplicates(
    found: Array<{ id: number; code: string; active?: boolean | number }>,
  ): Promise<void> {
    const duplicates = laterDuplicates(found);
    if (duplicates.length === 0) return;
    await this.retire(duplicates).catch(() => undefined);
  }

  /** Ids of the parties with this code, archived ones included, oldest first. */
  private idsWithCode(code: string): Promise<number[]> {
    return this.client.model<number[]>(
      'party.party',
      'search',
      [
        ['code', '=', code],
        ['active', 'in', [true, false]],
      ],
      0,
      null,
      [['id', 'ASC']],
    );
  }

  /** Tryton's id of a country by ISO code; null when Tryton has none (it ships without countries). */
  async countryId(code: string): Promise<number | null> {
    const cached = this.countries.get(code);
    if (cached !== undefined) return cached;
    const [id] = await this.client.model<number[]>('country.country', 'search', [['code', '=', code]]);
    // Only found ids are kept: countries imported later are used without a restart.
    if (id !== undefined) this.countries.set(code, id);
    return id ?? null;
  }

  /**
   * Active parties with a change at or after `since` (ISO): the party itself, or its address,
   * identifiers or contact mechanisms edited on their own records. Oldest change first.
   */
  async changedSince(since: string): Promise<PartySnapshot[]> {
    const at = new TrytonDateTime(since);
    const changed = ['OR', ['write_date', '>=', at], ['create_date', '>=', at]];
    const ids = new Set(await this.client.model<number[]>('party.party', 'search', [changed]));
    for (const model of ['party.address', 'party.identifier', 'party.contact_mechanism']) {
      const related = await this.client.model<Array<{ party: number }>>(
        model,
        'search_read',
        [changed],
        0,
        null,
        null,
        ['party'],
      );
      for (const record of related) ids.add(record.party);
    }
    return (await this.snapshotsInChunks([...ids])).sort((a, b) =>
      a.changedAt < b.changedAt ? -1 : a.changedAt > b.changedAt ? 1 : a.id - b.id,
    );
  }

  /** changedSince as the pollers post it: each party an ERP account. */
  async changesSince(since: string): Promise<PartyChange[]> {
    return (await this.changedSince(since)).map((party) => ({ party, kind: ERP_ACCOUNT }));
  }

  /**
   * One page of the active parties after `afterId` in id order (the initial load's pull), only those
   * whose code matches `codeLike` (a Tryton `like` pattern) when given. A party created meanwhile
   * gets a higher id, so paging by id reads every party once, also across a resumed load. `lastId` is
   * the last id the page searched (null: nothing after `afterId`), where the next page starts even
   * when that party was archived before it was read.
   */
  async partyPage(
    afterId: number,
    limit: number,
    codeLike?: string,
  ): Promise<{ parties: PartySnapshot[]; lastId: number | null }> {
    const ids = await this.client.model<number[]>(
      'party.party',
      'search',
      [['id', '>', afterId], ...codeDomain(codeLike)],
      0,
      limit,
      [['id', 'ASC']],
    );
    const parties = await this.snapshotsInChunks(ids);
    return { parties: parties.sort((a, b) => a.id - b.id), lastId: ids.at(-1) ?? null };
  }

  /** How many active parties a pull with this code pattern reads (the progress bar's total). */
  countParties(codeLike?: string): Promise<number> {
    return this.client.model<number>('party.party', 'search_count', codeDomain(codeLike));
  }

  /** Snapshots of many parties, a few hundred per call so that no answer grows large. */
  private async snapshotsInChunks(ids: number[]): Promise<PartySnapshot[]> {
    const snapshots: PartySnapshot[] = [];
    for (let offset = 0; offset < ids.length; offset += SNAPSHOT_CHUNK) {
      snapshots.push(...(await this.snapshots(ids.slice(offset, offset + SNAPSHOT_CHUNK))));
    }
    return snapshots;
  }

  /** The parties with these ids as the poller reads them; archived ones are left out. */
  async snapshots(ids: number[]): Promise<PartySnapshot[]> {
    const parties = (await this.client.model<PartyRecord[]>('party.party', 'read', ids, PARTY_FIELDS)).filter(
      (party) => Boolean(party.active),
    );
    if (parties.length === 0) return [];
    const partyIds = parties.map((party) => party.id);
    const stamps = ['write_date', 'create_date'];
    const [mechanisms, identifiers, addresses] = await Promise.all([
      this.client.model<Array<Mechanism & { party: number; write_date: unknown; create_date: unknown }>>(
        'party.contact_mechanism',
        'search_read',
        [
          ['party', 'in', partyIds],
          ['type', 'in', ['email', 'phone']],
        ],
        0,
        null,
        [
          ['sequence', 'ASC'],
          ['id', 'ASC'],
        ],
        ['party', 'type', 'value', ...stamps],
      ),
      this.client.model<Array<{ id: number; code: string; write_date: unknown; create_date: unknown }>>(
        'party.identifier',
        'read',
        parties.flatMap((party) => party.identifiers),
        ['code', ...stamps],
      ),
      this.client.model<
        Array<{
          id: number;
          street: string | null;
          city: string | null;
          postal_code: string | null;
          country: number | null;
          /** Tryton's answer to the dotted field `country.code`: the related record's values. */
          'country.'?: { code?: string | null } | null;
          write_date: unknown;
          create_date: unknown;
        }>
      >(
        'party.address',
        'read',
        parties.flatMap((party) => party.addresses.slice(0, 1)),
        ['street', 'city', 'postal_code', 'country', 'country.code', ...stamps],
      ),
    ]);
    const terms = [
      ...new Set(
        parties.flatMap((party) => (party.customer_payment_term ? [party.customer_payment_term] : [])),
      ),
    ];
    const termNames = new Map(
      (terms.length > 0
        ? await this.client.model<Array<{ id: number; name: string }>>(
            'account.invoice.payment_term',
            'read',
            terms,
            ['name'],
          )
        : []
      ).map((term) => [term.id, term.name]),
    );
    const byId = <T extends { id: number }>(records: T[]): Map<number, T> =>
      new Map(records.map((record) => [record.id, record]));
    const identifierById = byId(identifiers);
    const addressById = byId(addresses);
    return parties.map((party) => {
      const own = mechanisms.filter((mechanism) => mechanism.party === party.id);
      const partyIdentifiers = party.identifiers
        .map((id) => identifierById.get(id))
        .filter((i) => i !== undefined);
      const address = party.addresses.length > 0 ? addressById.get(party.addresses[0]) : undefined;
      const stampsOf = (record: { write_date: unknown; create_date: unknown } | undefined) =>
        record ? [trytonTimestamp(record.write_date), trytonTimestamp(record.create_date)] : [];
      return {
        id: party.id,
        code: party.code,
        name: party.name,
        email: own.find((mechanism) => mechanism.type === 'email')?.value ?? null,
        phone: own.find((mechanism) => mechanism.type === 'phone')?.value ?? null,
        vatNumber:
          party.tax_identifier !== null ? (identifierById.get(party.tax_identifier)?.code ?? null) : null,
        address: address
          ? {
              street: address.street,
              city: address.city,
              postalCode: address.postal_code,
              country: address['country.']?.code ?? null,
            }
          : null,
        paymentTerms:
          party.customer_payment_term !== null ? (termNames.get(party.customer_payment_term) ?? null) : null,
        changedAt:
          newestStamp([
            ...stampsOf(party),
            ...stampsOf(address),
            ...partyIdentifiers.flatMap(stampsOf),
            ...own.flatMap(stampsOf),
          ]) ?? new Date(0).toISOString(),
      };
    });
  }
}
