import { ownerOf } from './ownership-rule';

describe('owner of a customer', () => {
  it('the account owner, else the default owner', () => {
    expect(ownerOf({ fields: { accountOwner: 'anna' } }, 'crm-default-owner')).toBe('anna');
    expect(ownerOf({ fields: {} }, 'crm-default-owner')).toBe('crm-default-owner');
    expect(ownerOf({ fields: { accountOwner: ' ' } }, 'crm-default-owner')).toBe('crm-default-owner');
    expect(ownerOf({ fields: { accountOwner: null } }, 'crm-default-owner')).toBe('crm-default-owner');
  });
});
