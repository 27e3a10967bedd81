import { DownstreamError } from '@switchboard/downstream';
import type { TrytonClient } from './tryton-client';
import {
  TrytonDateTime,
  TrytonParties,
  laterDuplicates,
  newestStamp,
  partyCodeFor,
  partyCustomerUpdated,
  partyToCustomerFields,
  partyWriteValues,
  trytonTimestamp,
  type PartySnapshot,
} from './tryton-parties';

const snapshot = (overrides: Partial<PartySnapshot> = {}): PartySnapshot => ({
  id: 7,
  code: 'ACC-1',
  name: 'Müller & Søn GmbH',
  email: null,
  phone: null,
  vatNumber: null,
  address: null,
  paymentTerms: null,
  changedAt: '2026-11-29T06:43:15.774828Z',
  ...overrides,
});

const party = {
  id: 7,
  code: 'ACC-1',
  name: 'Müller & Søn GmbH',
  active: true,
  mechanisms: [
    { id: 11, type: 'email', value: 'billing@example.com' },
    { id: 12, type: 'phone', value: '+49 30 1234' },
  ],
  address: { id: 21, street: 'Hauptstr. 1', city: 'Berlin', postal_code: '10115', country: 3 },
};

describe('Tryton timestamps', () => {
  it('decodes a JSON-RPC datetime to UTC with microseconds, and null for a record never written', () => {
    const value = {
      __class__: 'datetime',
      year: 2026,
      month: 1,
      day: 9,
      hour: 6,
      minute: 3,
      second: 5,
      microsecond: 4028,
    };
    expect(trytonTimestamp(value)).toBe('2026-01-09T06:03:05.004028Z');
    expect(trytonTimestamp(null)).toBeNull();
    expect(trytonTimestamp({ __class__: 'date', year: 2026, month: 1, day: 9 })).toBeNull();
  });

  it('encodes a search bound as a datetime, microseconds included', () => {
    expect(JSON.parse(JSON.stringify(new TrytonDateTime('2026-01-09T06:03:05.004028Z')))).toEqual({
      __class__: 'datetime',
      year: 2026,
      month: 1,
      day: 9,
      hour: 6,
      minute: 3,
      second: 5,
      microsecond: 4028,
    });
  });

  it('picks the newest stamp, ignoring missing ones', () => {
    expect(newestStamp([null, '2026-01-09T06:03:05.004028Z', '2026-01-09T06:03:05.004029Z', null])).toBe(
      '2026-01-09T06:03:05.004029Z',
    );
    expect(newestStamp([null])).toBeNull();
  });
});

describe('partyToCustomerFields', () => {
  it('maps what the party holds: contact mechanisms, tax identifier, first address, payment term', () => {
    expect(
      partyToCustomerFields(
        snapshot({
          email: 'billing@example.com',
          phone: '+49 30 1234',
          vatNumber: 'DE811569869',
          paymentTerms: '30 days net',
          address: { street: 'Hauptstr. 1\nHof 2\n', city: 'Berlin', postalCode: '10115', country: 'DE' },
        }),
      ),
    ).toEqual({
      name: 'Müller & Søn GmbH',
      email: 'billing@example.com',
      phone: '+49 30 1234',
      vatNumber: 'DE811569869',
      paymentTerms: '30 days net',
      billingAddress: {
        line1: 'Hauptstr. 1',
        line2: 'Hof 2',
        city: 'Berlin',
        postalCode: '10115',
        country: 'DE',
      },
    });
  });

  it('leaves out what Tryton does not have instead of clearing it (absent means unchanged)', () => {
    expect(partyToCustomerFields(snapshot())).toEqual({ name: 'Müller & Søn GmbH' });
  });

  it('sends no address the contract would refuse: no first line, no city or no country', () => {
    for (const address of [
      { street: null, city: 'Berlin', postalCode: null, country: 'DE' },
      { street: 'Hauptstr. 1', city: null, postalCode: null, country: 'DE' },
      // Tryton ships without countries until they are imported: such an address stays in Tryton.
      { street: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: null },
    ]) {
      expect(partyToCustomerFields(snapshot({ address }))).not.toHaveProperty('billingAddress');
    }
    expect(
      partyToCustomerFields(
        snapshot({ address: { street: 'Hauptstr. 1', city: 'Berlin', postalCode: '', country: 'DE' } }),
      ).billingAddress,
    ).toEqual({ line1: 'Hauptstr. 1', line2: null, city: 'Berlin', postalCode: null, country: 'DE' });
  });
});

describe('partyWriteValues', () => {
  it('writes nothing when the party already holds the received values', () => {
    expect(
      partyWriteValues(party, {
        name: 'Müller & Søn GmbH',
        email: 'billing@example.com',
        phone: '+49 30 1234',
        accountType: 'customer',
      }),
    ).toEqual({});
  });

  it('changes the name and the first e-mail, creates a missing phone, leaves absent fields alone', () => {
    const withoutPhone = { ...party, mechanisms: party.mechanisms.filter((m) => m.type !== 'phone') };
    expect(
      partyWriteValues(withoutPhone, { name: 'Müller AG', email: 'ap@example.com', phone: '+49 89 5555' }),
    ).toEqual({
      name: 'Müller AG',
      contact_mechanisms: [
        ['write', [11], { value: 'ap@example.com' }],
        ['create', [{ type: 'phone', value: '+49 89 5555' }]],
      ],
    });
  });

  it('removes a cleared phone, and never clears the required name', () => {
    expect(partyWriteValues(party, { name: null, phone: null })).toEqual({
      contact_mechanisms: [['delete', [12]]],
    });
  });

  it('writes the address onto the first one, with the country when Tryton knows it', () => {
    const address = { line1: 'Ring 5', line2: '3. OG', city: 'Wien', postalCode: '1010', country: 'AT' };
    expect(partyWriteValues(party, { billingAddress: address }, 4)).toEqual({
      addresses: [
        ['write', [21], { street: 'Ring 5\n3. OG', city: 'Wien', postal_code: '1010', country: 4 }],
      ],
    });
    expect(partyWriteValues({ ...party, address: null }, { billingAddress: address })).toEqual({
      addresses: [['create', [{ street: 'Ring 5\n3. OG', city: 'Wien', postal_code: '1010' }]]],
    });
    const same = { line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'XX' };
    expect(partyWriteValues(party, { billingAddress: same })).toEqual({});
    expect(partyWriteValues(party, { billingAddress: { ...same, country: 'DE' } }, 3)).toEqual({});
  });
});

describe('partyCodeFor', () => {
  it('is the CRM account id, as erp-orders codes the parties it creates, else the Switchboard id', () => {
    const crossReferences = [
      { system: 'erp' as const, externalId: 'C00000001' },
      { system: 'crm' as const, externalId: 'ACC-1' },
    ];
    expect(partyCodeFor({ customerId: 'cus-1', crossReferences })).toBe('ACC-1');
    expect(partyCodeFor({ customerId: 'cus-1', crossReferences: crossReferences.slice(0, 1) })).toBe('cus-1');
  });
});

describe('partyCustomerUpdated', () => {
  it('is an ERP customer_updated keyed by the party code, its id from the party id and change time', () => {
    const party = snapshot({ vatNumber: 'DE811569869' });
    expect(partyCustomerUpdated(party)).toEqual({
      id: 'tryton-party-7-20261129064315774828',
      type: 'customer_updated',
      data: {
        system: 'erp',
        entity: 'account',
        externalId: 'ACC-1',
        changedAt: '2026-11-29T06:43:15.774Z',
        fields: { name: 'Müller & Søn GmbH', vatNumber: 'DE811569869' },
      },
    });
  });

  it('keeps the id of an unchanged party (a duplicate for ingest) and changes it with any edit', () => {
    const party = snapshot();
    expect(partyCustomerUpdated({ ...party }).id).toBe(partyCustomerUpdated(party).id);
    // One microsecond later: the same millisecond in changedAt, still a new event.
    expect(partyCustomerUpdated({ ...party, changedAt: '2026-11-29T06:43:15.774829Z' }).id).not.toBe(
      partyCustomerUpdated(party).id,
    );
  });
});

describe('TrytonParties.createOnce', () => {
  /** A Tryton whose `party.party` answers from `ids` (the parties with the code, any order). */
  function fakeTryton(ids: number[], create: () => number | DownstreamError) {
    const calls: Array<[string, unknown[]]> = [];
    const client = {
      options: { name: 'tryton-test' },
      model: (model: string, method: string, ...args: unknown[]) => {
        calls.push([`${model}.${method}`, args]);
        if (method === 'create') {
          const created = create();
          if (created instanceof DownstreamError) return Promise.reject(created);
          ids.push(created);
          return Promise.resolve([created]);
        }
        if (method === 'search') return Promise.resolve([...ids].sort((a, b) => a - b));
        if (method === 'delete') {
          ids.splice(ids.indexOf((args[0] as number[])[0]), 1);
          return Promise.resolve(null);
        }
        return Promise.resolve(null);
      },
    } as unknown as TrytonClient;
    return { parties: new TrytonParties(client), calls, ids };
  }

  it('keeps the party it created when it is the only (or the oldest) one with the code', async () => {
    const { parties, calls } = fakeTryton([], () => 40);
    await expect(parties.createOnce('ACC-1', { name: 'ACME' })).resolves.toBe(40);
    expect(calls.map(([call]) => call)).toEqual(['party.party.create', 'party.party.search']);
  });

  it('gives up its own party for the older one a concurrent create made (SQLite enforces no unique code)', async () => {
    const { parties, calls, ids } = fakeTryton([40], () => 41);
    await expect(parties.createOnce('ACC-1', { name: 'ACME' })).resolves.toBe(40);
    expect(calls.find(([call]) => call === 'party.party.delete')?.[1]).toEqual([[41]]);
    expect(ids).toEqual([40]);
  });

  it('takes the existing party when Tryton refuses the duplicate code (PostgreSQL)', async () => {
    const refused = new DownstreamError('validation', 'tryton-test', 'code must be unique');
    const { parties } = fakeTryton([40], () => refused);
    await expect(parties.createOnce('ACC-1', { name: 'ACME' })).resolves.toBe(40);
    const { parties: none } = fakeTryton([], () => refused);
    await expect(none.createOnce('ACC-1', { name: 'ACME' })).rejects.toBe(refused);
  });
});

describe('laterDuplicates', () => {
  it('names every active party whose code an older active party holds', () => {
    expect(
      laterDuplicates([
        { id: 12, code: 'ACC-1' },
        { id: 40, code: 'ACC-2' },
        { id: 7, code: 'ACC-1' },
        { id: 9, code: 'ACC-1' },
      ]),
    ).toEqual([9, 12]);
  });

  it('never names an archived party, nor a party kept because the older one is archived', () => {
    expect(
      laterDuplicates([
        { id: 7, code: 'ACC-1', active: false },
        { id: 9, code: 'ACC-1', active: true },
        { id: 11, code: 'ACC-1', active: 0 },
      ]),
    ).toEqual([]);
    expect(laterDuplicates([{ id: 3, code: 'ACC-9' }])).toEqual([]);
  });
});

describe('TrytonParties.current', () => {
  it('retires a duplicate a racing create left active, and answers with the oldest party', async () => {
    const calls: Array<[string, unknown[]]> = [];
    const client = {
      options: { name: 'tryton-test' },
      model: (model: string, method: string, ...args: unknown[]) => {
        calls.push([`${model}.${method}`, args]);
        if (model === 'party.party' && method === 'search_read')
          return Promise.resolve([
            { id: 40, code: 'ACC-1', name: 'ACME', active: true, addresses: [] },
            { id: 41, code: 'ACC-1', name: 'ACME', active: true, addresses: [] },
          ]);
        if (method === 'delete') return Promise.reject(new Error('a sale points at it'));
        return Promise.resolve([]);
      },
    } as unknown as TrytonClient;
    const party = await new TrytonParties(client).current(['ACC-1']);
    expect(party?.id).toBe(40);
    expect(calls.filter(([call]) => call === 'party.party.delete').map(([, args]) => args)).toEqual([[[41]]]);
    // The delete was refused: the duplicate is archived instead.
    expect(calls.find(([call]) => call === 'party.party.write')?.[1]).toEqual([[41], { active: false }]);
  });
});

describe('TrytonParties.retireDuplicates', () => {
  it('never fails the lookup: a duplicate Tryton will not let go of now is left for a later lookup', async () => {
    const busy = new DownstreamError('transient', 'tryton-test', 'database is locked');
    const calls: string[] = [];
    const client = {
      options: { name: 'tryton-test' },
      model: (model: string, method: string) => {
        calls.push(`${model}.${method}`);
        return Promise.reject(busy);
      },
    } as unknown as TrytonClient;
    await expect(
      new TrytonParties(client).retireDuplicates([
        { id: 40, code: 'ACC-1' },
        { id: 41, code: 'ACC-1' },
      ]),
    ).resolves.toBeUndefined();
    expect(calls).toEqual(['party.party.delete', 'party.party.write']);
  });
});

describe('TrytonParties.partyPage', () => {
  /** A Tryton whose search finds `ids` and whose read answers only the active ones. */
  function fakeTryton(ids: number[], active: number[]) {
    const calls: Array<[string, unknown[]]> = [];
    const client = {
      options: { name: 'tryton-test' },
      model: (model: string, method: string, ...args: unknown[]) => {
        calls.push([`${model}.${method}`, args]);
        if (model === 'party.party' && method === 'search') return Promise.resolve(ids);
        if (model === 'party.party' && method === 'read') {
          const records = (args[0] as number[])
            .filter((id) => active.includes(id))
            .map((id) => ({
              id,
              code: `P-${id}`,
              name: `Party ${id}`,
              active: true,
              write_date: null,
              create_date: null,
              addresses: [],
              identifiers: [],
              tax_identifier: null,
              customer_payment_term: null,
            }));
          return Promise.resolve(records);
        }
        return Promise.resolve([]);
      },
    } as unknown as TrytonClient;
    return { parties: new TrytonParties(client), calls };
  }

  it('searches after the id in id order with the code pattern, and reports the last id searched', async () => {
    const { parties, calls } = fakeTryton([11, 12, 13], [11, 12]);
    const page = await parties.partyPage(10, 3, 'SB-%');
    expect(calls[0]).toEqual([
      'party.party.search',
      [
        [
          ['id', '>', 10],
          ['code', 'like', 'SB-%'],
        ],
        0,
        3,
        [['id', 'ASC']],
      ],
    ]);
    // 13 was archived between the search and the read: left out, yet the next page starts after it.
    expect(page.parties.map((party) => [party.id, party.code])).toEqual([
      [11, 'P-11'],
      [12, 'P-12'],
    ]);
    expect(page.lastId).toBe(13);
  });

  it('says so when nothing is left, and searches every party without a pattern', async () => {
    const { parties, calls } = fakeTryton([], []);
    await expect(parties.partyPage(99, 500)).resolves.toEqual({ parties: [], lastId: null });
    expect(calls).toEqual([['party.party.search', [[['id', '>', 99]], 0, 500, [['id', 'ASC']]]]]);
  });
});
