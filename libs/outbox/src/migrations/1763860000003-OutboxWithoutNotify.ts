import type { MigrationInterface, QueryRunner } from 'typeorm';

import { outboxChannel, quoteIdent } from '../outbox-naming';
import { schemaOf } from './1763860000000-OutboxTables';

/**
 * No NOTIFY inside the business transaction: it serialised every notifying commit of the database
 * behind one lock held until the commit record was flushed. The writer wakes the relay after the
 * commit instead (outbox-signal.ts).
 */
export class OutboxWithoutNotify1763860000003 implements MigrationInterface {
  name = 'OutboxWithoutNotify1763860000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`DROP TRIGGER trg_outbox_message_notify ON ${s}.outbox_message`);
    await queryRunner.query(`DROP FUNCTION ${s}.notify_outbox_message()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    const s = quoteIdent(schema);
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
}
