import type { ServiceDefinition } from '@switchboard/platform';

import { InvoiceLine } from './invoices/invoice-line.entity';
import { Invoice } from './invoices/invoice.entity';
import { BoundedAmounts1763862000001 } from './migrations/1763862000001-BoundedAmounts';
import { InvoicesTables1763862000000 } from './migrations/1763862000000-InvoicesTables';

export const financeInvoicingService: ServiceDefinition = {
  name: 'finance-invoicing',
  schema: 'finance_invoicing',
  defaultPort: 3002,
  consumes: ['deal_won'],
  produces: ['invoice_created'],
  downstream: 'finance',
  entities: [Invoice, InvoiceLine],
  migrations: [InvoicesTables1763862000000, BoundedAmounts1763862000001],
};
