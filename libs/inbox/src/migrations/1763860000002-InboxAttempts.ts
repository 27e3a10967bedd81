import type { MigrationInterface, QueryRunner } from 'typeorm';

import { quoteIdent, schemaOf } from '@switchboard/outbox';

/**
 * Started-but-unfinished handlings, written before the handling and deleted in the transaction that
 * finishes it: what survives a crash or a stall (a lost partition) tells the next owner which event
 * never finished, so an event that keeps killing its consumer is dead-lettered after a bounded
 * number of tries instead of looping for ever.
 */
export class InboxAttempts1763860000002 implements MigrationInterface {
  name = 'InboxAttempts1763860000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE ${s}.inbox_attempt (
        id text CONSTRAINT pk_inbox_attempt PRIMARY KEY,
        topic text NOT NULL,
        kafka_partition integer NOT NULL,
        kafka_offset bigint NOT NULL,
        -- Chunks that held the event and never finished (crash, stall, lost partition).
        chunk_attempts integer NOT NULL DEFAULT 0,
        -- Times the event was handled alone (after a chunk holding it did not finish) and did not finish.
        solo_attempts integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${quoteIdent(schemaOf(queryRunner))}.inbox_attempt`);
  }
}
