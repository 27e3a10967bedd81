import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddressBookTables1763869000000 implements MigrationInterface {
  name = 'AddressBookTables1763869000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE address_book_contact (
        customer_id text CONSTRAINT pk_address_book_contact PRIMARY KEY,
        name text,
        email text,
        phone text,
        active boolean NOT NULL,
        applied_version integer NOT NULL CONSTRAINT ck_address_book_contact_version CHECK (applied_version > 0),
        event_id uuid NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE address_book_contact`);
  }
}
