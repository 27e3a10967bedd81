import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SegmentsTables1763864000000 implements MigrationInterface {
  name = 'SegmentsTables1763864000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE segment_membership (
        id bigserial CONSTRAINT pk_segment_membership PRIMARY KEY,
        contact_id text NOT NULL,
        segment text NOT NULL,
        valid_from timestamptz NOT NULL,
        valid_to timestamptz,
        reason text NOT NULL,
        deal_id text,
        event_id uuid
      )`);
    // At most one current segment per contact; the history keeps every closed period.
    await queryRunner.query(
      `CREATE UNIQUE INDEX uq_segment_membership_current ON segment_membership (contact_id) WHERE valid_to IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_segment_membership_contact_id ON segment_membership (contact_id, valid_from)`,
    );
    await queryRunner.query(`CREATE INDEX ix_segment_membership_deal_id ON segment_membership (deal_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE segment_membership`);
  }
}
