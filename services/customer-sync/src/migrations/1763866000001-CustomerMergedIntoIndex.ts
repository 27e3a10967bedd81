import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Deleting or merging customers checks the self-references; without this index each check scans the table. */
export class CustomerMergedIntoIndex1763866000001 implements MigrationInterface {
  name = 'CustomerMergedIntoIndex1763866000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX ix_customer_merged_into ON customer (merged_into) WHERE merged_into IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_customer_merged_into`);
  }
}
