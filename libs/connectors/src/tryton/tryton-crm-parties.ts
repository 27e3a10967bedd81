import type { TrytonClient } from './tryton-client';
import {
  TrytonDateTime,
  TrytonParties,
  newestStamp,
  trytonTimestamp,
  type PartyChange,
  type PartySnapshot,
} from './tryton-parties';

/**
 * The relation type (party_relationship) that makes a party a contact: the person's party is
 * `Contact of` the account's party (its reverse, `Has contact`, reads the same relation from the
 * account). scripts/tryton-crm-setup.py creates both.
 */
export const CONTACT_OF_RELATION = 'Contact of';

/** A `Contact of` relation as `party.relation.all` reads it: the contact, its account and its stamps. */
export interface ContactLink {
  from_: number;
  /** Tryton's answer to the dotted field `to.code`: the account party's code. */
  'to.'?: { code?: string | null } | null;
  write_date: unknown;
  create_date: unknown;
}

/**
 * What each changed CRM party stands for: a contact when it is `Contact of` an account (its first
 * such relation; the account's code travels as `accountExternalId`), else an account. The parties of
 * the sales team and of the company (`staff`) are neither and are left out. A contact's change time
 * includes its relation's, so linking it to another account is a new version. The `archived` ones
 * are posted as deleted. Oldest change first.
 */
export function crmPartyChanges(
  parties: PartySnapshot[],
  links: ContactLink[],
  staff: ReadonlySet<number>,
  archived: ReadonlySet<number> = new Set(),
): PartyChange[] {
  return parties
    .filter((party) => !staff.has(party.id))
    .map((party): PartyChange => {
      const gone = archived.has(party.id) ? { archived: true } : {};
      const link = links.find((candidate) => candidate.from_ === party.id);
      if (!link) return { party, kind: { system: 'crm', entity: 'account' }, ...gone };
      const changedAt =
        newestStamp([party.changedAt, trytonTimestamp(link.write_date), trytonTimestamp(link.create_date)]) ??
        party.changedAt;
      return {
        party: { ...party, changedAt },
        kind: { system: 'crm', entity: 'contact', accountExternalId: link['to.']?.code ?? null },
        ...gone,
      };
    })
    .sort((a, b) =>
      a.party.changedAt < b.party.changedAt
        ? -1
        : a.party.changedAt > b.party.changedAt
          ? 1
          : a.party.id - b.party.id,
    );
}

/**
 * The CRM's accounts and contacts on its Tryton database (see TrytonCrmAccounts), read for the
 * pollers service's `crm-parties` job with the ERP's party reader (TrytonParties): an account is a
 * party of its own, a contact a party related to its account by `Contact of` (party_relationship),
 * with its name, e-mail, phone and address as contact mechanisms and address like any party.
 */
export class TrytonCrmParties {
  private readonly parties: TrytonParties;

  constructor(private readonly client: TrytonClient) {
    this.parties = new TrytonParties(client);
  }

  /**
   * Active parties changed at or after `since` (the party, its address, identifiers or contact
   * mechanisms, or its `Contact of` relation), each as an account or a contact, and the parties
   * archived since then (posted as deleted).
   */
  async changesSince(since: string): Promise<PartyChange[]> {
    const contactOf = await this.contactRelationType();
    const changed = await this.parties.changedSince(since);
    const at = new TrytonDateTime(since);
    const relinked =
      contactOf === null
        ? []
        : await this.client.model<Array<{ from_: number }>>(
            'party.relation.all',
            'search_read',
            [
              ['type', '=', contactOf],
              ['OR', ['write_date', '>=', at], ['create_date', '>=', at]],
            ],
            0,
            null,
            null,
            ['from_'],
          );
    const known = new Set(changed.map((party) => party.id));
    const more = [...new Set(relinked.map((link) => link.from_))].filter((id) => !known.has(id));
    const archived = await this.archivedSince(at);
    const parties = [...changed, ...(more.length > 0 ? await this.parties.snapshots(more) : []), ...archived];
    if (parties.length === 0) return [];
    const links =
      contactOf === null
        ? []
        : await this.client.model<ContactLink[]>(
            'party.relation.all',
            'search_read',
            [
              ['type', '=', contactOf],
              ['from_', 'in', parties.map((party) => party.id)],
            ],
            0,
            null,
            [['id', 'ASC']],
            ['from_', 'to.code', 'write_date', 'create_date'],
          );
    return crmPartyChanges(parties, links, await this.staff(), new Set(archived.map((party) => party.id)));
  }

  /** Parties archived (or edited while archived) at or after `at`, as far as a deletion needs them. */
  private async archivedSince(at: TrytonDateTime): Promise<PartySnapshot[]> {
    const found = await this.client.model<
      Array<{ id: number; code: string; name: string; write_date: unknown }>
    >(
      'party.party',
      'search_read',
      [
        ['active', '=', false],
        ['write_date', '>=', at],
      ],
      0,
      null,
      null,
      ['code', 'name', 'write_date'],
    );
    return found.map((party) => ({
      id: party.id,
      code: party.code,
      name: party.name,
      email: null,
      phone: null,
      vatNumber: null,
      address: null,
      paymentTerms: null,
      changedAt: trytonTimestamp(party.write_date) ?? new Date(0).toISOString(),
    }));
  }

  /** The `Contact of` type's id; null in a CRM without it (then every party is an account). */
  private async contactRelationType(): Promise<number | null> {
    const [id] = await this.client.model<number[]>(
      'party.relation.type',
      'search',
      [['name', '=', CONTACT_OF_RELATION]],
      0,
      1,
    );
    return id ?? null;
  }

  /** The parties of the CRM's own people and companies: employees (the sales team) and the company. */
  private async staff(): Promise<Set<number>> {
    const [employees, companies] = await Promise.all([
      this.client.model<Array<{ party: number }>>('company.employee', 'search_read', [], 0, null, null, [
        'party',
      ]),
      this.client.model<Array<{ party: number }>>('company.company', 'search_read', [], 0, null, null, [
        'party',
      ]),
    ]);
    return new Set([...employees, ...companies].map((record) => record.party));
  }
}
