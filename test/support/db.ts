import { Client, Pool } from 'pg';
import { DataSource, type MigrationInterface } from 'typeorm';

import {
  OutboxSetAside1763860000004,
  OutboxTables1763860000000,
  OutboxWithoutNotify1763860000003,
} from '@switchboard/outbox';

import { databaseUrl } from './stack';

/** Direct reads of the services' stores, to count effects exactly (the APIs show one at a time). */
export class TestDatabase {
  private readonly pool = new Pool({ connectionString: databaseUrl(), max: 4 });

  async rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(sql, params)).rows as T[];
  }

  async count(sql: string, params: unknown[] = []): Promise<number> {
    const [row] = await this.rows<{ count: string }>(sql, params);
    return Number(row?.count ?? 0);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** Each consumer's effect table and the column that ties an effect to its deal. */
export const EFFECT_TABLES = {
  'erp-orders': 'erp_orders.sales_order',
  'finance-invoicing': 'finance_invoicing.invoice',
  'support-onboarding': 'support_onboarding.onboarding_ticket',
  'marketing-segments': 'marketing_segments.segment_membership',
} as const;

export const CONSUMER_SCHEMAS = {
  'erp-orders': 'erp_orders',
  'finance-invoicing': 'finance_invoicing',
  'support-onboarding': 'support_onboarding',
  'marketing-segments': 'marketing_segments',
} as const;

/** The outbox tables as every service has them today. */
export const OUTBOX_MIGRATIONS = [
  OutboxTables1763860000000,
  OutboxWithoutNotify1763860000003,
  OutboxSetAside1763860000004,
];

/**
 * A schema of the test's own in the suites' database, migrated with `migrations`: the outbox and
 * inbox suites run on one each, beside the services' schemas. `dropScratchSchema` removes it.
 */
export async function scratchSchema(
  schema: string,
  migrations: Array<new () => MigrationInterface>,
): Promise<DataSource> {
  const admin = new Client({ connectionString: databaseUrl() });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const dataSource = new DataSource({
    type: 'postgres',
    url: databaseUrl(),
    schema,
    migrations,
    migrationsTableName: 'typeorm_migration',
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  return dataSource;
}

export async function dropScratchSchema(dataSource: DataSource | undefined, schema: string): Promise<void> {
  await dataSource?.query(`DROP SCHEMA ${schema} CASCADE`);
  await dataSource?.destroy();
}
