import { IsBoolean, IsInt, Min, ValidateIf } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import {
  IsCurrencyCode,
  IsDecimalString,
  IsMoneyAmount,
  MaxLen,
  NestedArray,
  OptionalText,
  RequiredEmail,
  RequiredText,
} from '../decorators';
import { DEAL_LINES_MAX } from './deal-won.v1';

// Result events are published by Switchboard's own flows once a target system has acted on a won deal.

export class SalesOrderLine {
  @IsInt()
  @Min(1)
  lineNo!: number;

  /** ERP item code the CRM product was mapped to. */
  @RequiredText()
  itemCode!: string;

  @IsDecimalString({ positive: true, maxIntegerDigits: 9, maxDecimals: 4 })
  quantity!: string;

  @IsMoneyAmount('currency', { maxIntegerDigits: 12 })
  unitPrice!: string;

  @IsDecimalString({ min: '0', max: '100', maxDecimals: 4 })
  discountPercent!: string;

  @IsMoneyAmount('currency')
  lineTotal!: string;
}

@JSONSchema({ description: 'The ERP sales order for a won deal was created.' })
export class SalesOrderCreatedV1 {
  @RequiredText()
  dealId!: string;

  @RequiredText()
  orderNumber!: string;

  @RequiredText()
  erpCustomerNumber!: string;

  /** True when the deal's account was a prospect and the ERP customer was created for this order. */
  @IsBoolean()
  customerCreated!: boolean;

  @IsCurrencyCode()
  currency!: string;

  @IsMoneyAmount('currency')
  netTotal!: string;

  @NestedArray(() => SalesOrderLine, 1, DEAL_LINES_MAX)
  lines!: SalesOrderLine[];
}

@JSONSchema({ description: 'The invoice for a won deal was created.' })
export class InvoiceCreatedV1 {
  @RequiredText()
  dealId!: string;

  @RequiredText()
  invoiceNumber!: string;

  @RequiredText()
  crmAccountId!: string;

  @IsCurrencyCode()
  currency!: string;

  @IsMoneyAmount('currency')
  netTotal!: string;

  @IsMoneyAmount('currency')
  taxTotal!: string;

  @IsMoneyAmount('currency')
  grossTotal!: string;
}

@JSONSchema({ description: 'The onboarding ticket for a won deal was opened in the support system.' })
export class OnboardingTicketCreatedV1 {
  @RequiredText()
  dealId!: string;

  @RequiredText()
  ticketNumber!: string;

  @RequiredText()
  crmAccountId!: string;

  @RequiredText(MaxLen.text)
  subject!: string;
}

@JSONSchema((schema) => ({
  ...schema,
  description: 'A contact moved between marketing segments.',
  // ValidateIf makes the generator treat fromSegment as optional, but it must be present even when null.
  required: [...(schema.required ?? []), 'fromSegment'],
}))
export class SegmentChangedV1 {
  /** CRM contact id. */
  @RequiredText()
  contactId!: string;

  @RequiredEmail()
  email!: string;

  /** null when the contact had no segment before. */
  @JSONSchema((schema) => ({ anyOf: [schema, { type: 'null' }] }))
  @ValidateIf((event: SegmentChangedV1) => event.fromSegment !== null)
  @RequiredText(MaxLen.name)
  fromSegment!: string | null;

  @RequiredText(MaxLen.name)
  toSegment!: string;

  @RequiredText(MaxLen.text)
  reason!: string;

  @OptionalText()
  dealId?: string | null;
}
