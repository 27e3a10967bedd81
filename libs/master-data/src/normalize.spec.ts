import { chooseMatch } from './matching';
import {
  mergeText,
  normalizeEmail,
  normalizeFieldValue,
  normalizeVat,
  parseTimestamp,
  valuesEqual,
} from './normalize';

describe('normalisation', () => {
  it('normalises matching keys', () => {
    expect(normalizeEmail('  Anna.Müller@Example.COM ')).toBe('anna.müller@example.com');
    expect(normalizeVat('de 123.456-789')).toBe('DE123456789');
    expect(normalizeEmail('   ')).toBeNull();
  });

  it('reads dates in several formats and time zones as one instant', () => {
    const instant = Date.parse('2025-03-15T08:00:00Z');
    for (const text of [
      '2025-03-15T08:00:00Z',
      '2025-03-15T10:00:00+02:00',
      '2025-03-15T03:00:00-05:00',
      '2025-03-15 08:00:00',
      '15.03.2025 08:00',
      '1742025600',
      '1742025600000',
    ]) {
      expect([text, parseTimestamp(text)]).toEqual([text, instant]);
    }
    expect(parseTimestamp('2025-03-15')).toBe(Date.parse('2025-03-15T00:00:00Z'));
    expect(() => parseTimestamp('03/04/2025')).toThrow(/ambiguous/);
    expect(() => parseTimestamp('2025-02-30')).toThrow(/not a real date/);
    expect(() => parseTimestamp('yesterday')).toThrow(/not a recognised date/);
  });

  it('stores cleared values as null, never as "null", and keeps any Unicode', () => {
    expect(normalizeFieldValue('phone', null)).toBeNull();
    expect(normalizeFieldValue('phone', '   ')).toBeNull();
    expect(normalizeFieldValue('name', ' Müller & Søn “Ltd” 🎉 ')).toBe('Müller & Søn “Ltd” 🎉');
    expect(
      normalizeFieldValue('billingAddress', { line1: 'A', line2: null, city: 'B', country: 'DE' }),
    ).toEqual({ city: 'B', country: 'DE', line1: 'A' });
    expect(normalizeFieldValue('lastPaymentAt', '2025-04-02T10:00:00+02:00')).toBe(
      '2025-04-02T08:00:00.000Z',
    );
    expect(() => normalizeFieldValue('leadScore', '7')).toThrow(/integer/);
    expect(valuesEqual({ a: '1', b: '2' }, { b: '2', a: '1' })).toBe(true);
  });

  it('merges free text paragraph by paragraph', () => {
    expect(mergeText('a\n\nb', 'b\n\nc')).toBe('a\n\nb\n\nc');
    expect(mergeText(null, 'x')).toBe('x');
  });
});

describe('matching', () => {
  it('matches by e-mail, then VAT for companies, and never guesses between two', () => {
    expect(chooseMatch(['c1'], ['c2'], true)).toEqual({ kind: 'matched', customerId: 'c1', rule: 'email' });
    expect(chooseMatch([], ['c2'], true)).toEqual({ kind: 'matched', customerId: 'c2', rule: 'vat' });
    expect(chooseMatch([], ['c2'], false)).toEqual({ kind: 'none' });
    expect(chooseMatch(['c3', 'c1'], [], true)).toEqual({
      kind: 'ambiguous',
      rule: 'email',
      candidates: ['c1', 'c3'],
    });
    expect(chooseMatch([], [], true)).toEqual({ kind: 'none' });
  });
});
