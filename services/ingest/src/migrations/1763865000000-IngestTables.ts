import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IngestTables1763865000000 implements MigrationInterface {
  name = 'IngestTables1763865000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The permanent de-duplication ledger: outbox rows are deleted after their retention period,
    // this row is not, so a source event re-sent months later still maps to its first id.
    await queryRunner.query(`
      CREATE TABLE received_event (
        id uuid CONSTRAINT pk_received_event PRIMARY KEY,
        source text NOT NULL,
        source_event_id text NOT NULL,
        event_type text NOT NULL,
        body_sha256 text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_received_event_source_event UNIQUE (source, source_event_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE received_event`);
  }
}
