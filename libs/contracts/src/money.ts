import DecimalJs from 'decimal.js';
import * as iso4217 from 'currency-codes';

/**
 * decimal.js configured for money: enough significant digits that no realistic amount loses precision,
 * banker's rounding (what ERPs and tax authorities expect), and never exponent notation in toString().
 */
export const Decimal = DecimalJs.clone({
  precision: 60,
  rounding: DecimalJs.ROUND_HALF_EVEN,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});
export type Decimal = DecimalJs;

/** Plain decimal notation only: optional '-', no '+', no exponent, no leading zeros, no bare '.5' or '5.'. */
export const DECIMAL_PATTERN = /^-?(0|[1-9]\d*)(\.\d+)?$/;

export const CURRENCY_CODES: readonly string[] = iso4217.codes().slice().sort();
const currencySet = new Set(CURRENCY_CODES);

export function isCurrencyCode(value: unknown): value is string {
  return typeof value === 'string' && currencySet.has(value);
}

/** ISO 4217 minor units: JPY 0, EUR 2, KWD 3. Throws for anything that is not an ISO 4217 code. */
export function minorUnits(currency: string): number {
  const record = isCurrencyCode(currency) ? iso4217.code(currency) : undefined;
  if (!record) throw new RangeError(`Unknown ISO 4217 currency code: ${JSON.stringify(currency)}`);
  return record.digits;
}

export function decimalPlaces(value: string): number {
  const dot = value.indexOf('.');
  return dot < 0 ? 0 : value.length - dot - 1;
}

/** Rounds half-even to the currency's minor units and always prints exactly that many decimals. */
export function roundMoney(value: Decimal | string, currency: string): string {
  const digits = minorUnits(currency);
  if (typeof value === 'string' && !DECIMAL_PATTERN.test(value)) {
    throw new RangeError(`Not a plain decimal string: ${JSON.stringify(value)}`);
  }
  const rounded = new Decimal(value).toDecimalPlaces(digits, Decimal.ROUND_HALF_EVEN);
  // '-0.00' would read as a debit in some systems; zero has no sign in money.
  return (rounded.isZero() ? rounded.abs() : rounded).toFixed(digits);
}
