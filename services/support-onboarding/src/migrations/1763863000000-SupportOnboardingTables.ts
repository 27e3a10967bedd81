import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SupportOnboardingTables1763863000000 implements MigrationInterface {
  name = 'SupportOnboardingTables1763863000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SEQUENCE onboarding_ticket_number_seq`);
    await queryRunner.query(`
      CREATE TABLE onboarding_ticket (
        ticket_number text CONSTRAINT pk_onboarding_ticket PRIMARY KEY,
        deal_id text NOT NULL CONSTRAINT uq_onboarding_ticket_deal_id UNIQUE,
        crm_account_id text NOT NULL,
        subject text NOT NULL,
        body text NOT NULL,
        status text NOT NULL DEFAULT 'open'
          CONSTRAINT ck_onboarding_ticket_status CHECK (status IN ('open', 'in_progress', 'closed')),
        assignee_crm_user_id text NOT NULL,
        event_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_onboarding_ticket_crm_account_id ON onboarding_ticket (crm_account_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE onboarding_ticket`);
    await queryRunner.query(`DROP SEQUENCE onboarding_ticket_number_seq`);
  }
}
