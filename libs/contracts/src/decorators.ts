import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEmail,
  IsObject,
  IsOptional,
  IsString,
  isISO31661Alpha2,
  maxLength,
  ValidateNested,
  registerDecorator,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { CURRENCY_CODES, DECIMAL_PATTERN, Decimal, decimalPlaces, isCurrencyCode, minorUnits } from './money';

const COUNTRY_CODE = /^[A-Z]{2}$/;

/** Generous limits: they exist to stop abuse, not to second-guess what source systems store. */
export const MaxLen = {
  id: 255,
  code: 64,
  name: 500,
  email: 320,
  uri: 2048,
  text: 4000,
  notes: 20_000,
} as const;

function compose(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, propertyKey) => decorators.forEach((decorate) => decorate(target, propertyKey));
}

function custom(
  name: string,
  constraints: unknown[],
  validate: (value: unknown, args: ValidationArguments) => boolean,
  defaultMessage: (args: ValidationArguments) => string,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target, propertyKey) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyKey as string,
      constraints,
      options,
      validator: { validate, defaultMessage },
    });
}

/**
 * class-validator's maxLength: a surrogate pair counts as one character, so a string of at most
 * `max` UTF-16 units is never too long, and its count (two regex matches) runs only for longer ones.
 * Most values are far below their limit, and this runs for every text field of every event.
 */
function withinLength(value: string, max: number): boolean {
  return value.length <= max || maxLength(value, max);
}

/** A required string: empty or whitespace-only counts as missing. Any Unicode is fine. */
export function RequiredText(max: number = MaxLen.id): PropertyDecorator {
  const problem = (value: unknown): string | undefined => {
    if (value === undefined || value === null) return 'is required';
    if (typeof value !== 'string') return 'must be a string';
    if (!/\S/.test(value)) return 'must not be empty';
    return withinLength(value, max) ? undefined : `must be at most ${max} characters`;
  };
  return custom(
    'isRequiredText',
    [max],
    (value) => problem(value) === undefined,
    (args) => `${args.property} ${problem(args.value)}`,
  );
}

/** class-validator's MaxLength through withinLength, under its name: the same error, the same JSON Schema. */
function MaxText(max: number): PropertyDecorator {
  return custom(
    'maxLength',
    [max],
    (value) => typeof value === 'string' && withinLength(value, max),
    (args) => `${args.property} must be shorter than or equal to ${max} characters`,
  );
}

/** Absent or null means "not provided"; an empty string is kept as a value (e.g. a cleared field). */
export function OptionalText(max: number = MaxLen.name): PropertyDecorator {
  return compose(IsOptional(), IsString(), MaxText(max));
}

/**
 * What validator's isEmail is given. Given nothing, it copies its defaults into a new object on every
 * call (three addresses per deal_won, at every hop); this one object takes them on its first call
 * and is complete from then on. The rule means what validator's defaults say, as before.
 */
const EMAIL_OPTIONS: NonNullable<Parameters<typeof IsEmail>[0]> = {};

export function RequiredEmail(): PropertyDecorator {
  return compose(RequiredText(MaxLen.email), IsEmail(EMAIL_OPTIONS));
}

export function OptionalEmail(): PropertyDecorator {
  return compose(OptionalText(MaxLen.email), IsEmail(EMAIL_OPTIONS));
}

/** ISO 3166-1 alpha-2, upper case as the standard writes it. */
export function IsCountryCode(): PropertyDecorator {
  return custom(
    'isCountryCode',
    [],
    (value) => typeof value === 'string' && COUNTRY_CODE.test(value) && isISO31661Alpha2(value),
    (args) => `${args.property} must be an ISO 3166-1 alpha-2 country code like 'DE'`,
  );
}

export function OptionalCountry(): PropertyDecorator {
  return compose(IsOptional(), IsCountryCode());
}

export function Nested(type: () => new () => object): PropertyDecorator {
  return compose(IsObject(), ValidateNested(), Type(type));
}

/** Each item an object: ValidateNested alone would take an array item and validate its elements. */
export function NestedArray(type: () => new () => object, min: number, max: number): PropertyDecorator {
  return compose(
    IsArray(),
    ArrayMinSize(min),
    ArrayMaxSize(max),
    IsObject({ each: true }),
    ValidateNested({ each: true }),
    Type(type),
  );
}

/**
 * Every decimal string is bounded, so no input buys unbounded arithmetic (two 100,000-digit numbers
 * take seconds to multiply): at most this many digits before the point unless a field narrows it ...
 */
export const DECIMAL_MAX_INTEGER_DIGITS = 26;
/** ... and at most this many after it. */
export const DECIMAL_MAX_DECIMALS = 8;

/** Digits before and after the point of a plain decimal string (no regex over a huge input). */
function digitCounts(value: string): { integer: number; decimals: number } {
  const unsigned = value.startsWith('-') ? value.slice(1) : value;
  const dot = unsigned.indexOf('.');
  return dot < 0
    ? { integer: unsigned.length, decimals: 0 }
    : { integer: dot, decimals: unsigned.length - dot - 1 };
}

/** Within the digit bounds; checked before the pattern and before any arithmetic. */
export function withinDigits(value: string, maxIntegerDigits: number, maxDecimals: number): boolean {
  if (value.length > maxIntegerDigits + maxDecimals + 2) return false;
  const { integer, decimals } = digitCounts(value);
  return integer <= maxIntegerDigits && decimals <= maxDecimals;
}

export interface DecimalStringOptions {
  /** Digits after the point; at most DECIMAL_MAX_DECIMALS. */
  maxDecimals?: number;
  /** Digits before the point; at most DECIMAL_MAX_INTEGER_DIGITS. */
  maxIntegerDigits?: number;
  /** Inclusive bounds, as decimal strings so they are exact. */
  min?: string;
  max?: string;
  /** Strictly greater than zero. */
  positive?: boolean;
}

function decimalRule(opts: DecimalStringOptions): string {
  const parts = ['a decimal string'];
  if (opts.positive) parts.push('greater than 0');
  if (opts.min !== undefined) parts.push(`>= ${opts.min}`);
  if (opts.max !== undefined) parts.push(`<= ${opts.max}`);
  parts.push(
    `with at most ${opts.maxIntegerDigits ?? DECIMAL_MAX_INTEGER_DIGITS} digits before the point and ${
      opts.maxDecimals ?? DECIMAL_MAX_DECIMALS
    } after it`,
  );
  return parts.join(' ');
}

export function isDecimalString(value: unknown, opts: DecimalStringOptions = {}): value is string {
  if (typeof value !== 'string') return false;
  const maxInteger = Math.min(
    opts.maxIntegerDigits ?? DECIMAL_MAX_INTEGER_DIGITS,
    DECIMAL_MAX_INTEGER_DIGITS,
  );
  const maxDecimals = Math.min(opts.maxDecimals ?? DECIMAL_MAX_DECIMALS, DECIMAL_MAX_DECIMALS);
  if (!withinDigits(value, maxInteger, maxDecimals) || !DECIMAL_PATTERN.test(value)) return false;
  const n = new Decimal(value);
  if (opts.positive && !n.greaterThan(0)) return false;
  if (opts.min !== undefined && n.lessThan(opts.min)) return false;
  return opts.max === undefined || n.lessThanOrEqualTo(opts.max);
}

/** Quantities, percentages and rates travel as strings so no system ever parses them into a float. */
export function IsDecimalString(opts: DecimalStringOptions = {}): PropertyDecorator {
  return custom(
    'isDecimalString',
    [opts],
    (value) => isDecimalString(value, opts),
    (args) => `${args.property} must be ${decimalRule(opts)} like '12.5' (no exponent, not a number)`,
  );
}

// Money amounts of nested objects (deal lines) are governed by a currency on an enclosing object, but
// class-validator only hands a validator its own object; validatePayload records the parents here.
const parents = new WeakMap<object, object>();

export function linkParents(node: unknown, parent?: object): void {
  if (node === null || typeof node !== 'object') return;
  // Plain loops: this runs over every object of a payload class-validator checks.
  if (Array.isArray(node)) {
    for (const item of node as unknown[]) linkParents(item, parent);
    return;
  }
  if (parent) parents.set(node, parent);
  for (const key of Object.keys(node)) {
    const child = (node as Record<string, unknown>)[key];
    if (child !== null && typeof child === 'object') linkParents(child, node);
  }
}

/**
 * class-validator's arguments, and what a compiled check adds to them: the objects that enclose
 * the value's own, nearest first. A compiled check reads them off the document it validates, so
 * it links no parents (linking every object of every event was a fifth of a consumer's parse).
 */
export interface EnclosedValidationArguments extends ValidationArguments {
  enclosing?: readonly object[];
}

function lookUp(args: EnclosedValidationArguments, property: string): unknown {
  const own = (args.object as Record<string, unknown>)[property];
  if (own !== undefined) return own;
  const enclosing = args.enclosing ?? linkedParents(args.object);
  for (const at of enclosing) {
    const value = (at as Record<string, unknown>)[property];
    if (value !== undefined) return value;
  }
  return undefined;
}

function linkedParents(object: object): object[] {
  const chain: object[] = [];
  for (let at = parents.get(object); at; at = parents.get(at)) chain.push(at);
  return chain;
}

/** The name IsMoneyAmount registers its rule under (a compiled check hands it the enclosing objects). */
export const MONEY_AMOUNT = 'isMoneyAmount';

/**
 * An exact amount in plain decimal notation with at most the ISO 4217 minor units of the currency found
 * in `currencyProperty` on the same object or the nearest enclosing one. An invalid currency is reported
 * on the currency field itself, so only the notation is checked then.
 */
export function IsMoneyAmount(
  currencyProperty = 'currency',
  options?: ValidationOptions & { maxIntegerDigits?: number },
): PropertyDecorator {
  const maxInteger = Math.min(
    options?.maxIntegerDigits ?? DECIMAL_MAX_INTEGER_DIGITS,
    DECIMAL_MAX_INTEGER_DIGITS,
  );
  const validationOptions: ValidationOptions = { ...options };
  delete (validationOptions as { maxIntegerDigits?: number }).maxIntegerDigits;
  return custom(
    MONEY_AMOUNT,
    [currencyProperty, maxInteger],
    (value, args) => {
      // ISO 4217 minor units are at most 4: a longer fraction is wrong for every currency.
      if (typeof value !== 'string' || !withinDigits(value, maxInteger, 4) || !DECIMAL_PATTERN.test(value))
        return false;
      const currency = lookUp(args, currencyProperty);
      return !isCurrencyCode(currency) || decimalPlaces(value) <= minorUnits(currency);
    },
    (args) => {
      const currency = lookUp(args, currencyProperty);
      const format = `like '12.50' (no exponent, not a number, at most ${maxInteger} digits before the point)`;
      if (!isCurrencyCode(currency)) return `${args.property} must be a decimal string ${format}`;
      const digits = minorUnits(currency);
      const decimals = digits ? `at most ${digits} decimals` : 'no decimals';
      return `${args.property} must be a decimal string with ${decimals} for ${currency} ${format}`;
    },
    Object.keys(validationOptions).length > 0 ? validationOptions : undefined,
  );
}

export function IsCurrencyCode(): PropertyDecorator {
  return custom(
    'isCurrencyCode',
    [],
    isCurrencyCode,
    (args) => `${args.property} must be an ISO 4217 currency code like 'EUR'`,
  );
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isRealDate(year: string, month: string, day: string): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}

export function isRfc3339(value: unknown): value is string {
  const m = typeof value === 'string' ? RFC3339.exec(value) : null;
  if (!m) return false;
  const [, y, mo, d, h, mi, s, , , oh, om] = m;
  // Seconds may be 60 for a leap second.
  return (
    isRealDate(y, mo, d) &&
    Number(h) < 24 &&
    Number(mi) < 60 &&
    Number(s) <= 60 &&
    (oh === undefined || (Number(oh) < 24 && Number(om) < 60))
  );
}

export function isCalendarDate(value: unknown): value is string {
  const m = typeof value === 'string' ? CALENDAR_DATE.exec(value) : null;
  return m !== null && isRealDate(m[1], m[2], m[3]);
}

export function IsRfc3339(): PropertyDecorator {
  return custom(
    'isRfc3339',
    [],
    isRfc3339,
    (args) => `${args.property} must be an RFC 3339 timestamp like '2025-03-14T09:30:00Z'`,
  );
}

export function IsCalendarDate(): PropertyDecorator {
  return custom(
    'isCalendarDate',
    [],
    isCalendarDate,
    (args) => `${args.property} must be a calendar date 'YYYY-MM-DD'`,
  );
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** W3C Trace Context: version ff and all-zero trace or parent ids are invalid. */
export function isTraceparent(value: unknown): value is string {
  const m = typeof value === 'string' ? TRACEPARENT.exec(value) : null;
  return m !== null && m[1] !== 'ff' && !/^0+$/.test(m[2]) && !/^0+$/.test(m[3]);
}

export function IsTraceparent(): PropertyDecorator {
  return custom(
    'isTraceparent',
    [],
    isTraceparent,
    (args) => `${args.property} must be a W3C traceparent like '00-<32 hex trace id>-<16 hex parent id>-01'`,
  );
}

/** Patterns and wording the JSON Schema generator uses for the custom decorators above. */
export const customSchemas: Record<string, (constraints: unknown[]) => Record<string, unknown>> = {
  isRequiredText: ([maxLength]) => ({ type: 'string', pattern: '\\S', maxLength }),
  isDecimalString: ([opts]) => ({
    type: 'string',
    pattern: DECIMAL_PATTERN.source,
    maxLength:
      Math.min(
        (opts as DecimalStringOptions).maxIntegerDigits ?? DECIMAL_MAX_INTEGER_DIGITS,
        DECIMAL_MAX_INTEGER_DIGITS,
      ) +
      Math.min((opts as DecimalStringOptions).maxDecimals ?? DECIMAL_MAX_DECIMALS, DECIMAL_MAX_DECIMALS) +
      2,
    description: `${decimalRule(opts as DecimalStringOptions)}.`,
  }),
  isMoneyAmount: ([currencyProperty, maxIntegerDigits]) => ({
    type: 'string',
    pattern: DECIMAL_PATTERN.source,
    maxLength: Number(maxIntegerDigits) + 4 + 2,
    description: `Exact amount as a decimal string with at most ${Number(maxIntegerDigits)} digits before the point and the ISO 4217 minor units of '${String(currencyProperty)}' after it (on this object or the enclosing one).`,
  }),
  isCountryCode: () => ({ type: 'string', pattern: COUNTRY_CODE.source }),
  isCurrencyCode: () => ({ type: 'string', enum: [...CURRENCY_CODES] }),
  isRfc3339: () => ({ type: 'string', format: 'date-time' }),
  isCalendarDate: () => ({ type: 'string', format: 'date', pattern: CALENDAR_DATE.source }),
  isTraceparent: () => ({ type: 'string', pattern: TRACEPARENT.source }),
};
