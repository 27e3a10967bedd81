import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Reports are sent outside the transaction that picks them: a lease keeps replicas from doubling. */
export class ReportSendLease1763866000003 implements MigrationInterface {
  name = 'ReportSendLease1763866000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sync_report ADD COLUMN lease_until timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sync_report DROP COLUMN lease_until`);
  }
}
