import { JSONSchema } from 'class-validator-jsonschema';
import { IsRfc3339, Nested, OptionalText, RequiredText } from '../decorators';
import { Money } from './common';

@JSONSchema({ description: 'An invoice was paid in full or in part, as recorded by finance or the ERP.' })
export class InvoicePaidV1 {
  @RequiredText()
  invoiceNumber!: string;

  @OptionalText()
  dealId?: string | null;

  @OptionalText()
  crmAccountId?: string | null;

  @OptionalText()
  erpCustomerNumber?: string | null;

  @Nested(() => Money)
  amount!: Money;

  @IsRfc3339()
  paidAt!: string;
}
