import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SalesOrdersTables1763861000000 implements MigrationInterface {
  name = 'SalesOrdersTables1763861000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SEQUENCE erp_customer_number_seq`);
    await queryRunner.query(`CREATE SEQUENCE sales_order_number_seq`);
    await queryRunner.query(`
      CREATE TABLE erp_customer (
        customer_number text CONSTRAINT pk_erp_customer PRIMARY KEY,
        crm_account_id text NOT NULL CONSTRAINT uq_erp_customer_crm_account_id UNIQUE,
        name text NOT NULL,
        email text NOT NULL,
        vat_number text,
        country text,
        promoted_from_deal_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE item_mapping (
        crm_product_id text CONSTRAINT pk_item_mapping PRIMARY KEY,
        item_code text NOT NULL,
        description text NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE sales_order (
        order_number text CONSTRAINT pk_sales_order PRIMARY KEY,
        deal_id text NOT NULL CONSTRAINT uq_sales_order_deal_id UNIQUE,
        erp_customer_number text NOT NULL CONSTRAINT fk_sales_order_customer REFERENCES erp_customer (customer_number) DEFERRABLE INITIALLY DEFERRED,
        currency char(3) NOT NULL,
        net_total numeric NOT NULL,
        event_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE sales_order_line (
        order_number text NOT NULL CONSTRAINT fk_sales_order_line_order REFERENCES sales_order (order_number),
        line_no integer NOT NULL,
        crm_product_id text NOT NULL,
        item_code text NOT NULL,
        quantity numeric NOT NULL,
        unit_price numeric NOT NULL,
        discount_percent numeric NOT NULL,
        line_total numeric NOT NULL,
        CONSTRAINT pk_sales_order_line PRIMARY KEY (order_number, line_no)
      )`);
    // The development catalogue: CRM products SKU-001..SKU-020 sell as ERP items ITM-1001..ITM-1020.
    await queryRunner.query(`
      INSERT INTO item_mapping (crm_product_id, item_code, description)
      SELECT 'SKU-' || lpad(n::text, 3, '0'), 'ITM-' || (1000 + n), 'Catalogue item ' || n
      FROM generate_series(1, 20) AS n`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE sales_order_line`);
    await queryRunner.query(`DROP TABLE sales_order`);
    await queryRunner.query(`DROP TABLE item_mapping`);
    await queryRunner.query(`DROP TABLE erp_customer`);
    await queryRunner.query(`DROP SEQUENCE sales_order_number_seq`);
    await queryRunner.query(`DROP SEQUENCE erp_customer_number_seq`);
  }
}
