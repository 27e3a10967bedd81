import { IsBoolean, IsInt, IsOptional, Min } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import {
  IsCalendarDate,
  IsCurrencyCode,
  IsDecimalString,
  IsMoneyAmount,
  MaxLen,
  Nested,
  NestedArray,
  OptionalCountry,
  OptionalEmail,
  OptionalText,
  RequiredEmail,
  RequiredText,
} from '../decorators';

export const DEAL_LINES_MAX = 500;

export class DealAccount {
  @RequiredText()
  crmAccountId!: string;

  @RequiredText(MaxLen.name)
  name!: string;

  @RequiredEmail()
  email!: string;

  @OptionalText(MaxLen.code)
  vatNumber?: string | null;

  @OptionalCountry()
  country?: string | null;

  /** A prospect has no ERP customer yet; the order flow creates one. */
  @IsBoolean()
  isProspect!: boolean;

  /** Known when the account is not a prospect. */
  @OptionalText()
  erpCustomerNumber?: string | null;
}

export class DealContact {
  @RequiredText()
  crmContactId!: string;

  @RequiredEmail()
  email!: string;

  @OptionalText(MaxLen.name)
  firstName?: string | null;

  @OptionalText(MaxLen.name)
  lastName?: string | null;
}

export class DealOwner {
  @RequiredText()
  crmUserId!: string;

  @OptionalText(MaxLen.name)
  name?: string | null;

  @OptionalEmail()
  email?: string | null;
}

export class DealLine {
  @IsInt()
  @Min(1)
  lineNo!: number;

  @RequiredText()
  crmProductId!: string;

  @OptionalText(MaxLen.text)
  description?: string | null;

  /** Below one billion, at most 4 decimals (columns: QUANTITY_BOUNDS). */
  @IsDecimalString({ positive: true, maxIntegerDigits: 9, maxDecimals: 4 })
  quantity!: string;

  /** Net price per unit in the deal's currency, at most that currency's minor units, below 10^12. */
  @IsMoneyAmount('currency', { maxIntegerDigits: 12 })
  unitPrice!: string;

  /** Absent means no discount. */
  @IsOptional()
  @IsDecimalString({ min: '0', max: '100', maxDecimals: 4 })
  discountPercent?: string | null;
}

/** A deal closed as won in the CRM; the trigger for order, invoice, onboarding and segment updates. */
@JSONSchema({ description: 'A deal closed as won in the CRM.' })
export class DealWonV1 {
  @RequiredText()
  dealId!: string;

  @Nested(() => DealAccount)
  account!: DealAccount;

  @Nested(() => DealContact)
  contact!: DealContact;

  @Nested(() => DealOwner)
  owner!: DealOwner;

  @IsCalendarDate()
  closeDate!: string;

  /** ISO 4217; every money amount in the deal is in this currency. */
  @IsCurrencyCode()
  currency!: string;

  @NestedArray(() => DealLine, 1, DEAL_LINES_MAX)
  lines!: DealLine[];

  /**
   * Tax rate applied to the net total of every line. Required on purpose: there is no implicit default, so a
   * missing rate can never silently become 0 %. Send '0' for exempt or reverse-charge deals.
   */
  @JSONSchema({
    description:
      "Tax rate applied to the net of every line. Required: no implicit default; send '0' for exempt or reverse-charge deals.",
  })
  @IsDecimalString({ min: '0', max: '100', maxDecimals: 4 })
  taxRatePercent!: string;

  @OptionalText(MaxLen.notes)
  notes?: string | null;
}
