import { JSONSchema } from 'class-validator-jsonschema';
import {
  IsCountryCode,
  IsCurrencyCode,
  IsMoneyAmount,
  MaxLen,
  OptionalText,
  RequiredText,
} from '../decorators';

/** Money is never a float: an ISO 4217 code plus an exact decimal string, e.g. {currency:'KWD', amount:'12.345'}. */
@JSONSchema({ description: 'ISO 4217 currency plus an exact decimal amount string; never a float.' })
export class Money {
  @IsCurrencyCode()
  currency!: string;

  /** Below 10^15 (a quadrillion): no real invoice is larger, and the bound keeps arithmetic cheap. */
  @IsMoneyAmount('currency', { maxIntegerDigits: 15 })
  amount!: string;
}

export class Address {
  @RequiredText(MaxLen.name)
  line1!: string;

  @OptionalText(MaxLen.name)
  line2?: string | null;

  @RequiredText(MaxLen.name)
  city!: string;

  @OptionalText(MaxLen.code)
  postalCode?: string | null;

  @OptionalText(MaxLen.name)
  region?: string | null;

  @IsCountryCode()
  country!: string;
}
