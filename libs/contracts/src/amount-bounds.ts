/**
 * The bounds of the contract's decimal fields as SQL CHECK expressions, so a column can never hold
 * more than the contract lets in (the migrations of erp-orders and finance-invoicing use them).
 *
 * A CHECK on `numeric` rather than `numeric(p, s)`: a typed column pads every value to its scale
 * ('3' is read back as '3.0000'), which would change what the read APIs and result events return.
 * The CHECK holds the same bound, and the value keeps the notation the source sent.
 */
export const AMOUNT_BOUNDS = {
  /** DealLine.quantity: > 0, below 10^9, at most 4 decimals. */
  quantity: { below: '1e9', scale: 4 },
  /** DealLine.unitPrice: below 10^12, ISO 4217 minor units (at most 4). */
  unitPrice: { below: '1e12', scale: 4 },
  /** discountPercent, taxRatePercent: 0..100, at most 4 decimals. */
  percent: { below: '100.00001', scale: 4 },
  /** Line, net, tax and gross totals: below 10^26 (the largest deal's gross is below 10^25). */
  total: { below: '1e26', scale: 4 },
} as const;

export type AmountBound = keyof typeof AMOUNT_BOUNDS;

/** `CHECK (abs(col) < bound AND scale(col) <= s)` for a column. */
export function amountCheck(column: string, bound: AmountBound): string {
  const { below, scale } = AMOUNT_BOUNDS[bound];
  return `abs(${column}) < ${below}::numeric AND scale(${column}) <= ${scale}`;
}

/** One bounded column: its table, its name and the contract bound it holds. */
export type BoundedColumn = [table: string, column: string, bound: AmountBound];

/** The migration statements that add (`up`) and drop (`down`) a named CHECK per bounded column. */
export function amountCheckStatements(columns: BoundedColumn[]): { up: string[]; down: string[] } {
  const name = (table: string, column: string) => `ck_${table}_${column}_bounded`;
  return {
    up: columns.map(
      ([table, column, bound]) =>
        `ALTER TABLE ${table} ADD CONSTRAINT ${name(table, column)} CHECK (${amountCheck(column, bound)})`,
    ),
    down: columns.map(([table, column]) => `ALTER TABLE ${table} DROP CONSTRAINT ${name(table, column)}`),
  };
}
