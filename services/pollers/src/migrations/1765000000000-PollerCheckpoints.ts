import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PollerCheckpoints1765000000000 implements MigrationInterface {
  name = 'PollerCheckpoints1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // One row per poller: the newest change time ingest accepted, and when a pass last confirmed it.
    await queryRunner.query(`
      CREATE TABLE poller_checkpoint (
        poller text CONSTRAINT pk_poller_checkpoint PRIMARY KEY,
        position text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE poller_checkpoint`);
  }
}
