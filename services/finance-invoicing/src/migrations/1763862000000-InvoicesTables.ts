import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InvoicesTables1763862000000 implements MigrationInterface {
  name = 'InvoicesTables1763862000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // A gap-free sequence is not promised: a rolled-back transaction consumes a number, which
    // auditors accept when the gap is explained by the log of rejected events.
    await queryRunner.query(`CREATE SEQUENCE invoice_number_seq`);
    await queryRunner.query(`
      CREATE TABLE invoice (
        invoice_number text CONSTRAINT pk_invoice PRIMARY KEY,
        deal_id text NOT NULL CONSTRAINT uq_invoice_deal_id UNIQUE,
        crm_account_id text NOT NULL,
        currency char(3) NOT NULL,
        net_total numeric NOT NULL,
        tax_rate_percent numeric NOT NULL,
        tax_total numeric NOT NULL,
        gross_total numeric NOT NULL,
        event_id uuid NOT NULL,
        issued_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE invoice_line (
        invoice_number text NOT NULL CONSTRAINT fk_invoice_line_invoice REFERENCES invoice (invoice_number),
        line_no integer NOT NULL,
        description text NOT NULL,
        quantity numeric NOT NULL,
        unit_price numeric NOT NULL,
        discount_percent numeric NOT NULL,
        line_total numeric NOT NULL,
        CONSTRAINT pk_invoice_line PRIMARY KEY (invoice_number, line_no)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE invoice_line`);
    await queryRunner.query(`DROP TABLE invoice`);
    await queryRunner.query(`DROP SEQUENCE invoice_number_seq`);
  }
}
