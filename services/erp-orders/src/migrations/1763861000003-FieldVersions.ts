import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The version that last wrote each field of a customer, so an older `customer_synced` replayed late
 * applies the fields no later version changed (field-versions.ts). Rows from before stay null:
 * every field of theirs counts as written by their applied version.
 */
export class FieldVersions1763861000003 implements MigrationInterface {
  name = 'FieldVersions1763861000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE customer_sync_state ADD COLUMN field_versions jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE customer_sync_state DROP COLUMN field_versions`);
  }
}
