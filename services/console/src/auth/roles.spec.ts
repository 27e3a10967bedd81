import { can, ownerScopeOf, rolesGranting } from './roles';

describe('console roles', () => {
  it('a viewer reads but neither resolves, replays nor sees personal data', () => {
    expect(can(['viewer'], 'review:read')).toBe(true);
    expect(can(['viewer'], 'review:resolve')).toBe(false);
    expect(can(['viewer'], 'dead-letters:replay')).toBe(false);
    expect(can(['viewer'], 'personal-data:read')).toBe(false);
  });

  it('a steward resolves, an operator replays, neither does the other', () => {
    expect(can(['data-steward'], 'review:resolve')).toBe(true);
    expect(can(['data-steward'], 'dead-letters:replay')).toBe(false);
    expect(can(['operator'], 'dead-letters:replay')).toBe(true);
    expect(can(['operator'], 'review:resolve')).toBe(false);
    expect(can(['operator', 'data-steward'], 'review:resolve')).toBe(true);
  });

  it('a sales user reads only the customers they own; a second role lifts the limit', () => {
    expect(can(['sales'], 'review:read')).toBe(false);
    expect(ownerScopeOf({ name: 'anna', roles: ['sales'] })).toBe('anna');
    expect(ownerScopeOf({ name: 'anna', roles: ['sales', 'viewer'] })).toBeNull();
    expect(ownerScopeOf({ name: 'vic', roles: ['viewer'] })).toBeNull();
  });

  it('names the roles that hold a permission', () => {
    expect(rolesGranting('review:resolve')).toEqual(['data-steward']);
    expect(rolesGranting('customers:read')).toEqual(['viewer', 'data-steward', 'operator', 'sales']);
  });
});
