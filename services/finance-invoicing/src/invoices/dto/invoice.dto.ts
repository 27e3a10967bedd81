import { ApiProperty } from '@nestjs/swagger';

import { DECIMAL_STRING } from '@switchboard/platform';

import type { InvoiceLine } from '../invoice-line.entity';
import type { Invoice } from '../invoice.entity';

export class InvoiceLineDto {
  @ApiProperty()
  invoiceNumber!: string;

  @ApiProperty({ type: 'integer', minimum: 1 })
  lineNo!: number;

  @ApiProperty()
  description!: string;

  @ApiProperty(DECIMAL_STRING)
  quantity!: string;

  @ApiProperty(DECIMAL_STRING)
  unitPrice!: string;

  @ApiProperty(DECIMAL_STRING)
  discountPercent!: string;

  @ApiProperty(DECIMAL_STRING)
  lineTotal!: string;
}

/** The invoice a won deal became; totals rounded half-even to the currency's minor units. */
export class InvoiceDto {
  @ApiProperty()
  invoiceNumber!: string;

  @ApiProperty()
  dealId!: string;

  @ApiProperty()
  crmAccountId!: string;

  @ApiProperty({ minLength: 3, maxLength: 3, example: 'EUR' })
  currency!: string;

  @ApiProperty(DECIMAL_STRING)
  netTotal!: string;

  @ApiProperty(DECIMAL_STRING)
  taxRatePercent!: string;

  @ApiProperty(DECIMAL_STRING)
  taxTotal!: string;

  @ApiProperty(DECIMAL_STRING)
  grossTotal!: string;

  @ApiProperty({ format: 'uuid', description: 'The deal_won event that created it' })
  eventId!: string;

  @ApiProperty()
  issuedAt!: Date;

  @ApiProperty({ type: [InvoiceLineDto] })
  lines!: InvoiceLineDto[];
}

function lineDto(line: InvoiceLine): InvoiceLineDto {
  return {
    invoiceNumber: line.invoiceNumber,
    lineNo: line.lineNo,
    description: line.description,
    quantity: line.quantity,
    unitPrice: line.unitPrice,
    discountPercent: line.discountPercent,
    lineTotal: line.lineTotal,
  };
}

/** The invoice as the API returns it (loaded with its lines). */
export function invoiceDto(invoice: Invoice): InvoiceDto {
  return {
    invoiceNumber: invoice.invoiceNumber,
    dealId: invoice.dealId,
    crmAccountId: invoice.crmAccountId,
    currency: invoice.currency,
    netTotal: invoice.netTotal,
    taxRatePercent: invoice.taxRatePercent,
    taxTotal: invoice.taxTotal,
    grossTotal: invoice.grossTotal,
    eventId: invoice.eventId,
    issuedAt: invoice.issuedAt,
    lines: invoice.lines.map(lineDto),
  };
}
