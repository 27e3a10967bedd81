import type { MigrationInterface, QueryRunner } from 'typeorm';

import { amountCheckStatements } from '@switchboard/contracts';

const CHECKS = amountCheckStatements([
  ['invoice', 'net_total', 'total'],
  ['invoice', 'tax_rate_percent', 'percent'],
  ['invoice', 'tax_total', 'total'],
  ['invoice', 'gross_total', 'total'],
  ['invoice_line', 'quantity', 'quantity'],
  ['invoice_line', 'unit_price', 'unitPrice'],
  ['invoice_line', 'discount_percent', 'percent'],
  ['invoice_line', 'line_total', 'total'],
]);

/** The contract's decimal bounds on the columns too: no unbounded numeric. */
export class BoundedAmounts1763862000001 implements MigrationInterface {
  name = 'BoundedAmounts1763862000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of CHECKS.up) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of CHECKS.down) await queryRunner.query(statement);
  }
}
