import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Who exported which customers when: one row per page of GET /v1/customers/export. */
export class ExportAudit1763866000002 implements MigrationInterface {
  name = 'ExportAudit1763866000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE export_audit (
        seq bigserial CONSTRAINT pk_export_audit PRIMARY KEY,
        caller text NOT NULL,
        system text NOT NULL,
        entity text NOT NULL,
        after_external_id text,
        returned integer NOT NULL,
        first_external_id text,
        last_external_id text,
        exported_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX ix_export_audit_exported_at ON export_audit (exported_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE export_audit`);
  }
}
