import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every action taken in the console (sign-in, resolve, replay, purge): who, what, on what, when. */
export class ConsoleAudit1764990000000 implements MigrationInterface {
  name = 'ConsoleAudit1764990000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE console_audit (
        seq bigserial CONSTRAINT pk_console_audit PRIMARY KEY,
        actor text NOT NULL,
        action text NOT NULL,
        target text,
        outcome text NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}'::jsonb,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX ix_console_audit_at ON console_audit (at)`);
    await queryRunner.query(`CREATE INDEX ix_console_audit_actor ON console_audit (actor, at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE console_audit`);
  }
}
