import type { MigrationInterface, QueryRunner } from 'typeorm';

import { quoteIdent, schemaOf } from '@switchboard/outbox';

/**
 * The inbox: one row per event a consumer has applied (or dead-lettered), written in the same
 * transaction as the effect. Its unique id is what makes a redelivered event a no-op.
 */
export class InboxTables1763860000001 implements MigrationInterface {
  name = 'InboxTables1763860000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE ${s}.inbox_message (
        position bigserial CONSTRAINT pk_inbox_message PRIMARY KEY,
        id text NOT NULL CONSTRAINT uq_inbox_message_id UNIQUE,
        event_type text,
        topic text NOT NULL,
        kafka_partition integer NOT NULL,
        kafka_offset bigint NOT NULL,
        status text NOT NULL DEFAULT 'applied'
          CONSTRAINT ck_inbox_message_status CHECK (status IN ('applied', 'dead_lettered')),
        processed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_inbox_message_processed_at ON ${s}.inbox_message (processed_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${quoteIdent(schemaOf(queryRunner))}.inbox_message`);
  }
}
