import { isPersonal, maskValue, visibleValue } from './personal-data';

describe('personal data', () => {
  it('masks phones, e-mails and addresses beyond use, keeps them distinguishable', () => {
    expect(maskValue('+49 89 5550100')).toBe('+••••••••00');
    expect(maskValue('jane.doe@example.com')).toBe('j•••@example.com');
    expect(maskValue({ street: 'Hauptstr. 1', city: 'Berlin' })).toBe('•••');
    expect(maskValue(null)).toBeNull();
  });

  it("a contact's name is personal, an account's is not", () => {
    expect(isPersonal('name', 'contact')).toBe(true);
    expect(isPersonal('name', 'account')).toBe(false);
    expect(visibleValue('phone', 'account', '+49 89 5550100', true)).toBe('+49 89 5550100');
    expect(visibleValue('status', 'account', 'active', false)).toBe('active');
  });
});
