import type { MigrationInterface, QueryRunner } from 'typeorm';

import { amountCheckStatements } from '@switchboard/contracts';

const CHECKS = amountCheckStatements([
  ['sales_order', 'net_total', 'total'],
  ['sales_order_line', 'quantity', 'quantity'],
  ['sales_order_line', 'unit_price', 'unitPrice'],
  ['sales_order_line', 'discount_percent', 'percent'],
  ['sales_order_line', 'line_total', 'total'],
]);

/** The contract's decimal bounds on the columns too: no unbounded numeric. */
export class BoundedAmounts1763861000002 implements MigrationInterface {
  name = 'BoundedAmounts1763861000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of CHECKS.up) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of CHECKS.down) await queryRunner.query(statement);
  }
}
