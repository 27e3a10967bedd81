import { Pool } from 'pg';

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
