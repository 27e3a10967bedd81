import { Decimal, minorUnits, roundMoney } from './money';

describe('minorUnits', () => {
  it.each([
    ['JPY', 0],
    ['EUR', 2],
    ['USD', 2],
    ['KWD', 3],
    ['CLF', 4],
  ])('%s has %i minor units', (currency, digits) => {
    expect(minorUnits(currency)).toBe(digits);
  });

  it.each(['eur', 'EURO', 'XYZ', ''])('rejects %p', (currency) => {
    expect(() => minorUnits(currency)).toThrow(/Unknown ISO 4217/);
  });
});

describe('roundMoney', () => {
  it.each([
    ['0.5', 'JPY', '0'],
    ['1.5', 'JPY', '2'],
    ['2.5', 'JPY', '2'],
    ['100', 'JPY', '100'],
    ['12.5', 'EUR', '12.50'],
    ['0.125', 'EUR', '0.12'],
    ['0.135', 'EUR', '0.14'],
    ['149.985', 'EUR', '149.98'],
    ['-2.345', 'EUR', '-2.34'],
    ['1.2345', 'KWD', '1.234'],
    ['1.2355', 'KWD', '1.236'],
    ['1.234', 'KWD', '1.234'],
    ['-0.001', 'EUR', '0.00'],
    ['123456789012345678901234567.125', 'EUR', '123456789012345678901234567.12'],
  ])('rounds %s %s half-even to %s', (value, currency, expected) => {
    expect(roundMoney(value, currency)).toBe(expected);
  });

  it('rounds Decimal results of exact arithmetic', () => {
    const lineTotal = new Decimal('99.99').times('1.5');
    expect(lineTotal.toString()).toBe('149.985');
    expect(roundMoney(lineTotal, 'EUR')).toBe('149.98');
    expect(roundMoney(new Decimal('0.1').plus('0.2'), 'EUR')).toBe('0.30');
  });

  it('never prints exponent notation', () => {
    expect(new Decimal('1e-12').toString()).toBe('0.000000000001');
    expect(new Decimal('1e30').toString()).toBe('1000000000000000000000000000000');
  });

  it.each(['1e3', '12,50', '', ' 1', 'NaN', 'Infinity'])('rejects malformed string %p', (value) => {
    expect(() => roundMoney(value, 'EUR')).toThrow(RangeError);
  });
});
