import { SalesOrderLine } from '../sales-order-line.entity';
import { SalesOrder } from '../sales-order.entity';
import { salesOrderDto } from './sales-order.dto';

const line = Object.assign(new SalesOrderLine(), {
  orderNumber: 'SO-1',
  lineNo: 1,
  crmProductId: 'P-1',
  itemCode: 'ITEM-1',
  quantity: '2',
  unitPrice: '10.50',
  discountPercent: '0',
  lineTotal: '21.00',
});
const order = Object.assign(new SalesOrder(), {
  orderNumber: 'SO-1',
  dealId: 'D-1',
  erpCustomerNumber: 'C-1',
  currency: 'EUR',
  netTotal: '21.00',
  eventId: '00000000-0000-4000-8000-000000000001',
  createdAt: new Date('2026-01-02T03:04:05.000Z'),
  lines: [line],
});

describe('salesOrderDto', () => {
  it('answers the JSON the entity gave before (same fields and values)', () => {
    expect(JSON.parse(JSON.stringify(salesOrderDto(order)))).toEqual(JSON.parse(JSON.stringify(order)));
  });

  it('is a plain object: a relation loaded by accident (the line back to its order) does not leak', () => {
    const withBackReference = Object.assign(new SalesOrderLine(), line, { order });
    const dto = salesOrderDto(Object.assign(new SalesOrder(), order, { lines: [withBackReference] }));
    expect(dto.lines[0]).not.toHaveProperty('order');
    expect(dto).not.toBeInstanceOf(SalesOrder);
  });
});
