import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * customer_synced from customer-sync: the CRM-owned fields the ERP customer receives (phone, the
 * billing address, deactivation), customers the ERP learns of without a deal (no CRM account id, or
 * no e-mail yet), and the version last applied per Switchboard customer, so replays and
 * out-of-order deliveries change nothing.
 */
export class ErpCustomerSync1763861000001 implements MigrationInterface {
  name = 'ErpCustomerSync1763861000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE erp_customer
        ALTER COLUMN crm_account_id DROP NOT NULL,
        ALTER COLUMN email DROP NOT NULL,
        ADD COLUMN phone text,
        ADD COLUMN billing_address jsonb,
        ADD COLUMN active boolean NOT NULL DEFAULT true,
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`);
    await queryRunner.query(`
      CREATE TABLE customer_sync_state (
        customer_id text CONSTRAINT pk_customer_sync_state PRIMARY KEY,
        applied_version integer NOT NULL,
        erp_customer_number text,
        event_id uuid NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE customer_sync_state`);
    // Rows created without an e-mail or CRM account id cannot go back under the old constraints.
    await queryRunner.query(`DELETE FROM erp_customer WHERE crm_account_id IS NULL OR email IS NULL`);
    await queryRunner.query(`
      ALTER TABLE erp_customer
        DROP COLUMN updated_at,
        DROP COLUMN active,
        DROP COLUMN billing_address,
        DROP COLUMN phone,
        ALTER COLUMN email SET NOT NULL,
        ALTER COLUMN crm_account_id SET NOT NULL`);
  }
}
