import { crmPartyChanges, type ContactLink } from './tryton-crm-parties';
import { partyCustomerUpdated, type PartySnapshot } from './tryton-parties';

const party = (id: number, code: string, changedAt: string, overrides: Partial<PartySnapshot> = {}) => ({
  id,
  code,
  name: `Party ${code}`,
  email: null,
  phone: '+39 02 1234567',
  vatNumber: null,
  address: null,
  paymentTerms: null,
  changedAt,
  ...overrides,
});

const stamp = (second: number) => ({
  __class__: 'datetime',
  year: 2026,
  month: 12,
  day: 6,
  hour: 10,
  minute: 0,
  second,
  microsecond: 0,
});

describe('crmPartyChanges', () => {
  const account = party(1, 'ACC-1', '2026-12-06T10:00:05.000000Z');
  const contact = party(2, 'CON-1', '2026-12-06T10:00:01.000000Z');
  const employee = party(3, 'sales.anna', '2026-12-06T10:00:00.000000Z');
  const link: ContactLink = {
    from_: 2,
    'to.': { code: 'ACC-1' },
    write_date: null,
    create_date: stamp(2),
  };

  it('is an account unless the party is `Contact of` one; the sales team and company are neither', () => {
    expect(crmPartyChanges([account, contact, employee], [link], new Set([3]))).toEqual([
      {
        party: { ...contact, changedAt: '2026-12-06T10:00:02.000000Z' },
        kind: { system: 'crm', entity: 'contact', accountExternalId: 'ACC-1' },
      },
      { party: account, kind: { system: 'crm', entity: 'account' } },
    ]);
  });

  it("posts a contact with its account and its own address, never an account's VAT or terms", () => {
    const [change] = crmPartyChanges(
      [
        {
          ...contact,
          vatNumber: 'IT01234567890',
          paymentTerms: 'NET30',
          address: { street: 'Via Roma 1', city: 'Milano', postalCode: '20121', country: 'IT' },
        },
      ],
      [link],
      new Set(),
    );
    expect(partyCustomerUpdated(change.party, change.kind)).toEqual({
      id: 'crm-party-2-20261206100002000000',
      type: 'customer_updated',
      data: {
        system: 'crm',
        entity: 'contact',
        externalId: 'CON-1',
        changedAt: '2026-12-06T10:00:02.000Z',
        accountExternalId: 'ACC-1',
        fields: {
          name: 'Party CON-1',
          phone: '+39 02 1234567',
          address: { line1: 'Via Roma 1', line2: null, city: 'Milano', postalCode: '20121', country: 'IT' },
        },
      },
    });
  });

  it('posts an archived contact as deleted, with its account and no fields', () => {
    const [change] = crmPartyChanges([contact], [link], new Set(), new Set([2]));
    expect(change).toMatchObject({ archived: true, kind: { entity: 'contact' } });
    expect(partyCustomerUpdated(change.party, change.kind, change.archived).data).toEqual({
      system: 'crm',
      entity: 'contact',
      externalId: 'CON-1',
      changedAt: '2026-12-06T10:00:02.000Z',
      accountExternalId: 'ACC-1',
      fields: {},
      deleted: true,
    });
  });

  it("keeps the ERP's event ids for its parties: another source, another prefix", () => {
    expect(partyCustomerUpdated(account).id).toBe('tryton-party-1-20261206100005000000');
    expect(partyCustomerUpdated(account, { system: 'crm', entity: 'account' })).toMatchObject({
      id: 'crm-party-1-20261206100005000000',
      data: { system: 'crm', entity: 'account', externalId: 'ACC-1' },
    });
  });
});
