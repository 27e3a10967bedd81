import { EVENT_CATALOG } from './catalog';
import { priceDeal } from './pricing';

describe('priceDeal', () => {
  it('prices the catalog example exactly like the result-event examples', () => {
    const priced = priceDeal(EVENT_CATALOG.deal_won.example);
    const order = EVENT_CATALOG.sales_order_created.example;
    const invoice = EVENT_CATALOG.invoice_created.example;
    expect(
      priced.lines.map(({ lineNo, quantity, unitPrice, discountPercent, lineTotal }) => ({
        lineNo,
        quantity,
        unitPrice,
        discountPercent,
        lineTotal,
      })),
    ).toEqual(order.lines.map(({ itemCode: _, ...line }) => line));
    expect(priced).toMatchObject({
      currency: 'EUR',
      netTotal: invoice.netTotal,
      taxTotal: invoice.taxTotal,
      grossTotal: invoice.grossTotal,
    });
  });

  it('rounds each line half-even, sums the rounded lines and rounds tax once', () => {
    const priced = priceDeal({
      currency: 'EUR',
      taxRatePercent: '7.7',
      lines: [
        { lineNo: 1, crmProductId: 'a', quantity: '3', unitPrice: '0.10' },
        { lineNo: 2, crmProductId: 'b', quantity: '1', unitPrice: '0.125' },
        { lineNo: 3, crmProductId: 'c', quantity: '1', unitPrice: '0.135' },
      ],
    });
    expect(priced.lines.map((l) => l.lineTotal)).toEqual(['0.30', '0.12', '0.14']);
    expect(priced).toMatchObject({ netTotal: '0.56', taxTotal: '0.04', grossTotal: '0.60' });
  });

  it('respects the currency minor units', () => {
    const line = {
      lineNo: 1,
      crmProductId: 'p',
      quantity: '1.5',
      unitPrice: '333',
      discountPercent: '33.3333',
    };
    expect(priceDeal({ currency: 'JPY', taxRatePercent: '10', lines: [line] })).toMatchObject({
      netTotal: '333',
      taxTotal: '33',
      grossTotal: '366',
    });
    const kwd = priceDeal({ currency: 'KWD', taxRatePercent: '0', lines: [{ ...line, unitPrice: '1.235' }] });
    expect(kwd).toMatchObject({ netTotal: '1.235', taxTotal: '0.000', grossTotal: '1.235' });
  });
});
