import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The account each contact belongs to, learnt from won deals: invoice_paid and ticket_escalated
 * name an account (or a deal), and marketing moves that account's contacts.
 */
export class ContactAccounts1796600000000 implements MigrationInterface {
  name = 'ContactAccounts1796600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE contact_account (
        contact_id text CONSTRAINT pk_contact_account PRIMARY KEY,
        crm_account_id text NOT NULL,
        email text NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_contact_account_crm_account_id ON contact_account (crm_account_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE contact_account`);
  }
}
