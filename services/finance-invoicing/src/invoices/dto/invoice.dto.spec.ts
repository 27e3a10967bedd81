import { InvoiceLine } from '../invoice-line.entity';
import { Invoice } from '../invoice.entity';
import { invoiceDto } from './invoice.dto';

const line = Object.assign(new InvoiceLine(), {
  invoiceNumber: 'INV-1',
  lineNo: 1,
  description: 'Widget',
  quantity: '2',
  unitPrice: '10.50',
  discountPercent: '0',
  lineTotal: '21.00',
});
const invoice = Object.assign(new Invoice(), {
  invoiceNumber: 'INV-1',
  dealId: 'D-1',
  crmAccountId: 'A-1',
  currency: 'EUR',
  netTotal: '21.00',
  taxRatePercent: '19',
  taxTotal: '3.99',
  grossTotal: '24.99',
  eventId: '00000000-0000-4000-8000-000000000001',
  issuedAt: new Date('2026-01-02T03:04:05.000Z'),
  lines: [line],
});

describe('invoiceDto', () => {
  it('answers the JSON the entity gave before (same fields and values)', () => {
    expect(JSON.parse(JSON.stringify(invoiceDto(invoice)))).toEqual(JSON.parse(JSON.stringify(invoice)));
  });

  it('is a plain object: a relation loaded by accident (the line back to its invoice) does not leak', () => {
    const withBackReference = Object.assign(new InvoiceLine(), line, { invoice });
    const dto = invoiceDto(Object.assign(new Invoice(), invoice, { lines: [withBackReference] }));
    expect(dto.lines[0]).not.toHaveProperty('invoice');
    expect(dto).not.toBeInstanceOf(Invoice);
  });
});
