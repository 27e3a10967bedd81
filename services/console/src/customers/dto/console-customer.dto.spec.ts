import type { CustomerView } from '../../customer-sync/customer-sync.types';
import { toConsoleCustomer } from './console-customer.dto';

const contact: CustomerView = {
  id: '00000000-0000-4000-8000-00000000000c',
  entity: 'contact',
  status: 'merged',
  accountId: null,
  mergedInto: '00000000-0000-4000-8000-00000000000d',
  fields: { name: 'Ada Lovelace', email: 'ada@example.com', title: 'CTO' },
  version: 3,
  syncedTargets: ['erp'],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-02T00:00:00.000Z',
  deactivatedAt: null,
  crossReferences: [
    {
      system: 'crm',
      externalId: 'C-1',
      status: 'active',
      matchedBy: 'key',
      linkedAt: '2026-01-01T00:00:00.000Z',
    },
  ],
  contacts: [],
};

describe('toConsoleCustomer', () => {
  it("masks a contact's personal fields for a user who may not read them, and says so", () => {
    expect(toConsoleCustomer(contact, false)).toEqual({
      id: contact.id,
      entity: 'contact',
      status: 'merged',
      mergedInto: contact.mergedInto,
      fields: { name: 'A••••••••ce', email: 'a•••@example.com', title: 'CTO' },
      crossReferences: contact.crossReferences,
      personalDataMasked: true,
    });
  });

  it('keeps them for a user who may, and leaves out what the console does not promise', () => {
    const dto = toConsoleCustomer(contact, true);
    expect(dto.fields).toEqual(contact.fields);
    expect(dto.personalDataMasked).toBe(false);
    expect(Object.keys(dto)).not.toContain('syncedTargets');
  });
});
