import type { MigrationInterface, QueryRunner } from 'typeorm';

import { quoteIdent } from '../outbox-naming';
import { schemaOf } from './1763860000000-OutboxTables';

/**
 * Where the relay moves an outbox row that Kafka refuses as too large for its topic: the rest of
 * the outbox keeps flowing, and the row waits here, whole, for an operator (alert and metric).
 */
export class OutboxSetAside1763860000004 implements MigrationInterface {
  name = 'OutboxSetAside1763860000004';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE ${s}.outbox_set_aside (
        position bigint CONSTRAINT pk_outbox_set_aside PRIMARY KEY,
        id uuid NOT NULL,
        topic text NOT NULL,
        message_key text NOT NULL,
        event_type text NOT NULL,
        payload text NOT NULL,
        headers jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        set_aside_at timestamptz NOT NULL DEFAULT now(),
        reason text NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${quoteIdent(schemaOf(queryRunner))}.outbox_set_aside`);
  }
}
