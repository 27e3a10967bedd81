import { applySync, cardOf, sameCard, type ContactState } from './contact-state';

const anna: ContactState = {
  name: 'Anna Rossi',
  email: 'anna@rossi.example',
  phone: '+39 02 111',
  active: true,
  appliedVersion: 3,
};

describe('applySync', () => {
  it('creates a contact from its first event', () => {
    expect(
      applySync(null, { action: 'upsert', version: 1, fields: { name: 'Bruno', email: 'b@x.example' } }),
    ).toEqual({
      name: 'Bruno',
      email: 'b@x.example',
      phone: null,
      active: true,
      appliedVersion: 1,
    });
  });

  it('changes only the fields sent; null clears one', () => {
    expect(
      applySync(anna, { action: 'upsert', version: 4, fields: { phone: '+39 02 222', email: null } }),
    ).toEqual({
      ...anna,
      phone: '+39 02 222',
      email: null,
      appliedVersion: 4,
    });
  });

  it('ignores a version at or below the one applied (replay, out of order)', () => {
    expect(applySync(anna, { action: 'upsert', version: 3, fields: { phone: 'x' } })).toBeNull();
    expect(applySync(anna, { action: 'deactivate', version: 2, fields: {} })).toBeNull();
  });

  it('deactivates keeping the fields, and a later upsert brings the contact back', () => {
    const gone = applySync(anna, { action: 'deactivate', version: 4, fields: {} });
    expect(gone).toEqual({ ...anna, active: false, appliedVersion: 4 });
    expect(cardOf(gone)).toBeNull();
    expect(
      cardOf(applySync(gone, { action: 'upsert', version: 5, fields: { phone: '+39 02 333' } })),
    ).toEqual({
      name: 'Anna Rossi',
      email: 'anna@rossi.example',
      phone: '+39 02 333',
    });
  });
});

describe('cardOf and sameCard', () => {
  it('has no card for an unknown, inactive or nameless contact', () => {
    expect(cardOf(null)).toBeNull();
    expect(cardOf({ ...anna, active: false })).toBeNull();
    expect(cardOf({ ...anna, name: null })).toBeNull();
    expect(cardOf(anna)).toEqual({ name: 'Anna Rossi', email: 'anna@rossi.example', phone: '+39 02 111' });
  });

  it('compares cards by their fields', () => {
    expect(sameCard(cardOf(anna), cardOf({ ...anna, appliedVersion: 9 }))).toBe(true);
    expect(sameCard(cardOf(anna), cardOf({ ...anna, phone: null }))).toBe(false);
    expect(sameCard(null, null)).toBe(true);
    expect(sameCard(cardOf(anna), null)).toBe(false);
  });
});
