import { ApiProperty } from '@nestjs/swagger';

import { DECIMAL_STRING } from '@switchboard/platform';

import type { SalesOrderLine } from '../sales-order-line.entity';
import type { SalesOrder } from '../sales-order.entity';

export class SalesOrderLineDto {
  @ApiProperty()
  orderNumber!: string;

  @ApiProperty({ type: 'integer', minimum: 1 })
  lineNo!: number;

  @ApiProperty()
  crmProductId!: string;

  @ApiProperty({ description: 'The ERP item the CRM product maps to' })
  itemCode!: string;

  @ApiProperty(DECIMAL_STRING)
  quantity!: string;

  @ApiProperty(DECIMAL_STRING)
  unitPrice!: string;

  @ApiProperty(DECIMAL_STRING)
  discountPercent!: string;

  @ApiProperty(DECIMAL_STRING)
  lineTotal!: string;
}

/** The ERP sales order a won deal became, with its lines in order. */
export class SalesOrderDto {
  @ApiProperty()
  orderNumber!: string;

  @ApiProperty()
  dealId!: string;

  @ApiProperty()
  erpCustomerNumber!: string;

  @ApiProperty({ minLength: 3, maxLength: 3, example: 'EUR' })
  currency!: string;

  @ApiProperty(DECIMAL_STRING)
  netTotal!: string;

  @ApiProperty({ format: 'uuid', description: 'The deal_won event that created it' })
  eventId!: string;

  @ApiProperty()
  createdAt!: Date;

  @ApiProperty({ type: [SalesOrderLineDto] })
  lines!: SalesOrderLineDto[];
}

function lineDto(line: SalesOrderLine): SalesOrderLineDto {
  return {
    orderNumber: line.orderNumber,
    lineNo: line.lineNo,
    crmProductId: line.crmProductId,
    itemCode: line.itemCode,
    quantity: line.quantity,
    unitPrice: line.unitPrice,
    discountPercent: line.discountPercent,
    lineTotal: line.lineTotal,
  };
}

/** The order as the API returns it (loaded with its lines). */
export function salesOrderDto(order: SalesOrder): SalesOrderDto {
  return {
    orderNumber: order.orderNumber,
    dealId: order.dealId,
    erpCustomerNumber: order.erpCustomerNumber,
    currency: order.currency,
    netTotal: order.netTotal,
    eventId: order.eventId,
    createdAt: order.createdAt,
    lines: order.lines.map(lineDto),
  };
}
