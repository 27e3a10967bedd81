import { amountCheckStatements } from './amount-bounds';

describe('amountCheckStatements', () => {
  it('adds one named CHECK per column and drops the same names', () => {
    const { up, down } = amountCheckStatements([
      ['invoice', 'net_total', 'total'],
      ['invoice_line', 'quantity', 'quantity'],
    ]);
    expect(up).toEqual([
      'ALTER TABLE invoice ADD CONSTRAINT ck_invoice_net_total_bounded CHECK (abs(net_total) < 1e26::numeric AND scale(net_total) <= 4)',
      'ALTER TABLE invoice_line ADD CONSTRAINT ck_invoice_line_quantity_bounded CHECK (abs(quantity) < 1e9::numeric AND scale(quantity) <= 4)',
    ]);
    expect(down).toEqual([
      'ALTER TABLE invoice DROP CONSTRAINT ck_invoice_net_total_bounded',
      'ALTER TABLE invoice_line DROP CONSTRAINT ck_invoice_line_quantity_bounded',
    ]);
  });
});
