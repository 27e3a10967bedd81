/** The OpenAPI description of an exact decimal that the APIs answer as a string (amounts, quantities). */
export const DECIMAL_STRING = {
  type: String,
  format: 'decimal',
  description: 'An exact decimal, as a string',
} as const;
