import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What crm-sync applied to each customer's CRM account: the version last applied (a replayed or
 * late older customer_synced changes nothing) and, without a real CRM (DOWNSTREAM_MODE builtin),
 * the record of the fields it received.
 */
export class CrmSyncTables1763866000000 implements MigrationInterface {
  name = 'CrmSyncTables1763866000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE crm_account_sync (
        customer_id text CONSTRAINT pk_crm_account_sync PRIMARY KEY,
        crm_account_id text NOT NULL,
        applied_version integer NOT NULL,
        fields jsonb NOT NULL DEFAULT '{}'::jsonb,
        event_id uuid NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_crm_account_sync_crm_account_id ON crm_account_sync (crm_account_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE crm_account_sync`);
  }
}
