import { customerDto, type CustomerRow } from './customer.dto';

const row: CustomerRow = {
  id: '00000000-0000-4000-8000-000000000001',
  entity: 'account',
  status: 'active',
  accountId: null,
  mergedInto: null,
  fields: { name: 'Acme' },
  version: 3,
  syncedTargets: ['erp'],
  createdAt: new Date('2026-01-02T03:04:05.000Z'),
  updatedAt: new Date('2026-01-03T03:04:05.000Z'),
  deactivatedAt: null,
};
const crossReferences = [
  {
    system: 'crm',
    externalId: 'A-1',
    status: 'active',
    matchedBy: null,
    linkedAt: new Date('2026-01-02T03:04:05.000Z'),
  },
];
const contacts = [
  { id: '00000000-0000-4000-8000-000000000002', status: 'active', fields: { email: 'a@example.org' } },
];

describe('customerDto', () => {
  it('answers what the API gave before: the row with its cross-references and contacts', () => {
    expect(customerDto(row, crossReferences, contacts)).toEqual({ ...row, crossReferences, contacts });
  });

  it('takes only the declared columns: one added to the query does not leak into the API', () => {
    const wider = { ...row, internalNote: 'not for the API' };
    expect(customerDto(wider, [], [])).not.toHaveProperty('internalNote');
  });
});
