/* eslint-disable @typescript-eslint/no-explicit-any -- the tests bend examples into invalid shapes on purpose */
import { EVENT_CATALOG } from './catalog';
import { isDecimalString, withinDigits } from './decorators';
import { priceDeal } from './pricing';
import { ContractViolation, validatePayload } from './validation';

function deal(mutate: (d: Record<string, any>) => void): Record<string, any> {
  const d = structuredClone(EVENT_CATALOG.deal_won.example) as Record<string, any>;
  mutate(d);
  return d;
}

function refusedFields(type: 'deal_won' | 'invoice_paid', data: unknown): string[] {
  try {
    validatePayload(type, data);
  } catch (error) {
    if (error instanceof ContractViolation) return error.errors.map((e) => e.field);
    throw error;
  }
  return [];
}

describe('decimal strings are bounded: no input buys unbounded arithmetic', () => {
  it('refuses a half-megabyte quantity and price at once, without doing the arithmetic', () => {
    const huge = `9${'9'.repeat(500_000)}`;
    // The first deal_won compiles its validator once per process; that is not work an input buys.
    expect(
      refusedFields(
        'deal_won',
        deal(() => undefined),
      ),
    ).toEqual([]);
    const started = process.hrtime.bigint();
    const fields = refusedFields(
      'deal_won',
      deal((d) => {
        d.lines[0].quantity = huge;
        d.lines[0].unitPrice = `${huge}.00`;
      }),
    );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(fields).toEqual(expect.arrayContaining(['lines[0].quantity', 'lines[0].unitPrice']));
    expect(ms).toBeLessThan(200);
  });

  it.each([
    ['quantity of 10^9', 'quantity', '1000000000', 'lines[0].quantity'],
    ['quantity with 5 decimals', 'quantity', '1.00001', 'lines[0].quantity'],
    ['unit price of 10^12', 'unitPrice', '1000000000000.00', 'lines[0].unitPrice'],
    [
      'discount with 100,000 decimals',
      'discountPercent',
      `0.${'0'.repeat(100_000)}1`,
      'lines[0].discountPercent',
    ],
  ])('refuses a line %s', (_, field, value, path) => {
    expect(
      refusedFields(
        'deal_won',
        deal((d) => (d.lines[0][field] = value)),
      ),
    ).toContain(path);
  });

  it('refuses a tax rate with more than 4 decimals and an invoice amount of 10^15 or more', () => {
    expect(
      refusedFields(
        'deal_won',
        deal((d) => (d.taxRatePercent = '19.00001')),
      ),
    ).toContain('taxRatePercent');
    const paid = structuredClone(EVENT_CATALOG.invoice_paid.example) as Record<string, any>;
    paid.amount.amount = '1000000000000000.00';
    expect(refusedFields('invoice_paid', paid)).toContain('amount.amount');
  });

  it('accepts the largest allowed deal, and pricing it stays exact and fast', () => {
    const largest = deal((d) => {
      d.currency = 'EUR';
      d.lines = Array.from({ length: 500 }, (_, i) => ({
        lineNo: i + 1,
        crmProductId: 'SKU-001',
        quantity: '999999999.9999',
        unitPrice: '999999999999.99',
        discountPercent: '0.0001',
      }));
      d.taxRatePercent = '99.9999';
    });
    expect(refusedFields('deal_won', largest)).toEqual([]);
    const started = process.hrtime.bigint();
    const priced = priceDeal(validatePayload('deal_won', largest));
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(500);
    // 26 digits before the point hold the gross total of the largest deal (and the columns' bounds).
    expect(priced.grossTotal.split('.')[0].length).toBeLessThanOrEqual(26);
  });

  it('withinDigits and isDecimalString count digits, not characters of sign or point', () => {
    expect(withinDigits('-123.45', 3, 2)).toBe(true);
    expect(withinDigits('1234.5', 3, 2)).toBe(false);
    expect(isDecimalString('1'.repeat(27))).toBe(false);
    expect(isDecimalString('1'.repeat(26))).toBe(true);
    expect(isDecimalString('0.123456789')).toBe(false);
  });
});
