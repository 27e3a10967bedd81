import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CustomerSyncTables1763866000000 implements MigrationInterface {
  name = 'CustomerSyncTables1763866000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The canonical customer: field values in `data`, per-field provenance (system, source time,
    // newest time seen per system) in `meta`, matching keys as indexed columns.
    await queryRunner.query(`
      CREATE TABLE customer (
        id uuid CONSTRAINT pk_customer PRIMARY KEY,
        entity text NOT NULL CONSTRAINT ck_customer_entity CHECK (entity IN ('account', 'contact')),
        status text NOT NULL DEFAULT 'active'
          CONSTRAINT ck_customer_status CHECK (status IN ('active', 'inactive', 'merged')),
        parent_id uuid CONSTRAINT fk_customer_parent REFERENCES customer (id),
        parent_ref text,
        merged_into uuid CONSTRAINT fk_customer_merged_into REFERENCES customer (id),
        data jsonb NOT NULL DEFAULT '{}',
        meta jsonb NOT NULL DEFAULT '{}',
        email_key text,
        vat_key text,
        version integer NOT NULL DEFAULT 1,
        synced_targets text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deactivated_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_customer_email_key ON customer (entity, email_key) WHERE status = 'active' AND email_key IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_customer_vat_key ON customer (vat_key) WHERE status = 'active' AND entity = 'account' AND vat_key IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_customer_parent_id ON customer (parent_id) WHERE parent_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_customer_parent_ref ON customer (parent_ref) WHERE parent_ref IS NOT NULL`,
    );

    await queryRunner.query(`
      CREATE TABLE customer_xref (
        system text NOT NULL,
        entity text NOT NULL,
        external_id text NOT NULL,
        customer_id uuid NOT NULL CONSTRAINT fk_customer_xref_customer REFERENCES customer (id),
        status text NOT NULL DEFAULT 'active'
          CONSTRAINT ck_customer_xref_status CHECK (status IN ('active', 'deleted', 'merged')),
        matched_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_customer_xref PRIMARY KEY (system, entity, external_id)
      )`);
    await queryRunner.query(`CREATE INDEX ix_customer_xref_customer_id ON customer_xref (customer_id)`);

    await queryRunner.query(`
      CREATE TABLE customer_audit (
        seq bigserial CONSTRAINT pk_customer_audit PRIMARY KEY,
        customer_id uuid NOT NULL,
        kind text NOT NULL,
        field text NOT NULL,
        old_value jsonb,
        new_value jsonb,
        source_system text NOT NULL,
        event_id text,
        actor text NOT NULL,
        source_changed_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX ix_customer_audit_customer ON customer_audit (customer_id, seq)`);

    await queryRunner.query(`
      CREATE TABLE refused_change (
        seq bigserial CONSTRAINT pk_refused_change PRIMARY KEY,
        customer_id uuid,
        system text NOT NULL,
        entity text NOT NULL,
        external_id text NOT NULL,
        field text,
        value jsonb,
        reason text NOT NULL,
        message text NOT NULL,
        event_id text,
        source_changed_at timestamptz,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX ix_refused_change_customer ON refused_change (customer_id, seq)`);
    await queryRunner.query(`CREATE INDEX ix_refused_change_record ON refused_change (system, external_id)`);

    await queryRunner.query(`
      CREATE TABLE review_item (
        id uuid CONSTRAINT pk_review_item PRIMARY KEY,
        kind text NOT NULL CONSTRAINT ck_review_item_kind CHECK (kind IN ('conflict', 'ambiguous_match')),
        status text NOT NULL DEFAULT 'open' CONSTRAINT ck_review_item_status CHECK (status IN ('open', 'resolved')),
        customer_id uuid,
        entity text NOT NULL,
        field text,
        system text,
        external_id text,
        candidates jsonb NOT NULL,
        incoming jsonb,
        reason text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz,
        resolved_by text,
        resolution jsonb
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX uq_review_item_open_conflict ON review_item (customer_id, field) WHERE status = 'open' AND kind = 'conflict'`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX uq_review_item_open_match ON review_item (system, entity, external_id) WHERE status = 'open' AND kind = 'ambiguous_match'`,
    );
    await queryRunner.query(`CREATE INDEX ix_review_item_status ON review_item (status, created_at)`);

    // Values sent to each system, to recognise them when they come back (echoes).
    await queryRunner.query(`
      CREATE TABLE sync_outbound (
        seq bigserial CONSTRAINT pk_sync_outbound PRIMARY KEY,
        customer_id uuid NOT NULL,
        target text NOT NULL,
        field text NOT NULL,
        value_hash text NOT NULL,
        sent_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_sync_outbound_lookup ON sync_outbound (customer_id, target, field, value_hash)`,
    );
    await queryRunner.query(`CREATE INDEX ix_sync_outbound_sent_at ON sync_outbound (sent_at)`);

    // Prospect promotion: deal_won (CRM account) and sales_order_created (ERP customer), either first.
    await queryRunner.query(`
      CREATE TABLE deal_link (
        deal_id text CONSTRAINT pk_deal_link PRIMARY KEY,
        crm_account_id text,
        erp_customer_number text,
        customer_id uuid,
        linked_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    // Outcome counters per run window, one row per partition so parallel partitions never contend.
    await queryRunner.query(`
      CREATE TABLE sync_counter (
        window_start timestamptz NOT NULL,
        topic text NOT NULL,
        kafka_partition integer NOT NULL,
        created integer NOT NULL DEFAULT 0,
        updated integer NOT NULL DEFAULT 0,
        unchanged integer NOT NULL DEFAULT 0,
        conflicts integer NOT NULL DEFAULT 0,
        refused integer NOT NULL DEFAULT 0,
        echoes integer NOT NULL DEFAULT 0,
        stale integer NOT NULL DEFAULT 0,
        CONSTRAINT pk_sync_counter PRIMARY KEY (window_start, topic, kafka_partition)
      )`);
    await queryRunner.query(`
      CREATE TABLE sync_report (
        id text CONSTRAINT pk_sync_report PRIMARY KEY,
        kind text NOT NULL CONSTRAINT ck_sync_report_kind CHECK (kind IN ('incremental', 'initial_load')),
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        report jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        send_attempts integer NOT NULL DEFAULT 0,
        last_attempt_at timestamptz,
        last_error text
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_sync_report_unsent ON sync_report (created_at) WHERE sent_at IS NULL`,
    );

    // Initial loads: the checkpoint commits with each batch, so a crashed load resumes exactly there.
    await queryRunner.query(`
      CREATE TABLE load_run (
        id text CONSTRAINT pk_load_run PRIMARY KEY,
        file_path text NOT NULL,
        file_size bigint NOT NULL,
        file_fingerprint text NOT NULL,
        format text NOT NULL,
        system text NOT NULL,
        status text NOT NULL CONSTRAINT ck_load_run_status CHECK (status IN ('running', 'completed')),
        byte_offset bigint NOT NULL DEFAULT 0,
        records bigint NOT NULL DEFAULT 0,
        counts jsonb NOT NULL DEFAULT '{}',
        failures jsonb NOT NULL DEFAULT '[]',
        started_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'load_run',
      'sync_report',
      'sync_counter',
      'deal_link',
      'sync_outbound',
      'review_item',
      'refused_change',
      'customer_audit',
      'customer_xref',
      'customer',
    ]) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
