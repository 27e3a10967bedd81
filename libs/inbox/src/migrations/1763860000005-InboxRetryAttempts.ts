import type { MigrationInterface, QueryRunner } from 'typeorm';

import { quoteIdent, schemaOf } from '@switchboard/outbox';

/**
 * The retries an event parked on a failing downstream has used, kept in the database: counted in
 * memory, they started again at every rebalance and restart, and an event whose group rebalanced
 * often was never dead-lettered.
 */
export class InboxRetryAttempts1763860000005 implements MigrationInterface {
  name = 'InboxRetryAttempts1763860000005';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE ${quoteIdent(schemaOf(queryRunner))}.inbox_attempt ADD COLUMN retry_attempts integer NOT NULL DEFAULT 0`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE ${quoteIdent(schemaOf(queryRunner))}.inbox_attempt DROP COLUMN retry_attempts`,
    );
  }
}
