import type { MigrationInterface, QueryRunner } from 'typeorm';

import { quoteIdent, schemaOf } from '@switchboard/outbox';

/**
 * Events waiting for a retry of their key, out of the partition's way: a key whose downstream
 * fails is parked here with its later events, the partition's offset moves on past them, and the
 * consumer retries the key from here when its backoff is over. The row carries the whole message,
 * so nothing depends on Kafka still holding it.
 */
export class InboxParked1763860000006 implements MigrationInterface {
  name = 'InboxParked1763860000006';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE ${s}.inbox_parked (
        id text CONSTRAINT pk_inbox_parked PRIMARY KEY,
        topic text NOT NULL,
        kafka_partition integer NOT NULL,
        kafka_offset bigint NOT NULL,
        -- The Kafka key ('' for none): the events of one key are retried in offset order.
        message_key text NOT NULL,
        message_value bytea,
        headers jsonb NOT NULL,
        message_timestamp text NOT NULL,
        -- The last failure of this event; null while it only waits behind an earlier one of its key.
        failure text,
        due_at timestamptz NOT NULL,
        parked_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_inbox_parked_key ON ${s}.inbox_parked (topic, message_key, kafka_partition, kafka_offset)`,
    );
    await queryRunner.query(`CREATE INDEX ix_inbox_parked_due_at ON ${s}.inbox_parked (due_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${quoteIdent(schemaOf(queryRunner))}.inbox_parked`);
  }
}
