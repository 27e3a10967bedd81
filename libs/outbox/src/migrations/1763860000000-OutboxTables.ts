import type { MigrationInterface, QueryRunner } from 'typeorm';

import { outboxChannel, quoteIdent } from '../outbox-naming';

/**
 * Shared by every service: the outbox table lives in the schema of the service whose DataSource
 * runs this migration, so each service owns its own outbox.
 */
export class OutboxTables1763860000000 implements MigrationInterface {
  name = 'OutboxTables1763860000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    const s = quoteIdent(schema);
    await queryRunner.query(`
      CREATE TABLE ${s}.outbox_message (
        position bigserial CONSTRAINT pk_outbox_message PRIMARY KEY,
        id uuid NOT NULL CONSTRAINT uq_outbox_message_id UNIQUE,
        topic text NOT NULL,
        message_key text NOT NULL,
        event_type text NOT NULL,
        payload text NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_outbox_message_pending ON ${s}.outbox_message (position) WHERE published_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_outbox_message_published_at ON ${s}.outbox_message (published_at) WHERE published_at IS NOT NULL`,
    );
    // A statement-level trigger wakes the relay once per inserting statement, and only on commit
    // (NOTIFY is transactional), so the writer pays no extra round trip.
    await queryRunner.query(`
      CREATE FUNCTION ${s}.notify_outbox_message() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${outboxChannel(schema)}', '');
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER trg_outbox_message_notify AFTER INSERT ON ${s}.outbox_message
      FOR EACH STATEMENT EXECUTE FUNCTION ${s}.notify_outbox_message()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`DROP TABLE ${s}.outbox_message`);
    await queryRunner.query(`DROP FUNCTION ${s}.notify_outbox_message()`);
  }
}

export function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.dataSource.options as { schema?: string }).schema;
  if (!schema) throw new Error('The DataSource must set a schema: each service owns one');
  return schema;
}
