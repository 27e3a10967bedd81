// Writes synthetic customer exports for the initial-load tests and the benchmark.
import { createWriteStream } from 'node:fs';

const DATE_FORMATS = [
  (ms: number) => new Date(ms).toISOString(),
  (ms: number) => new Date(ms + 2 * 3_600_000).toISOString().replace('Z', '+02:00'),
  (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' '),
  (ms: number) => String(Math.floor(ms / 1000)),
];

/** One ERP customer export line: realistic fields, unique e-mail and VAT number per record. */
export function exportRecord(prefix: string, i: number): Record<string, unknown> {
  const at = Date.parse('2025-01-01T00:00:00Z') + i * 1000;
  return {
    externalId: `${prefix}-${i}`,
    changedAt: DATE_FORMATS[i % DATE_FORMATS.length](at),
    fields: {
      name: `Kunde ${i} Müller & Søn “GmbH”`,
      email: `billing.${i}@${prefix.toLowerCase()}.example`,
      vatNumber: `DE${prefix}${i}`,
      phone: `+49 89 ${String(i).padStart(7, '0')}`,
      billingAddress: {
        line1: `Hauptstraße ${i % 200}`,
        city: 'München',
        postalCode: '80331',
        country: 'DE',
      },
      paymentTerms: i % 2 ? 'NET30' : 'NET60',
    },
  };
}

/** Writes `count` records as NDJSON; resolves when the file is flushed. */
export async function writeNdjsonExport(
  path: string,
  prefix: string,
  count: number,
  from = 0,
): Promise<void> {
  const out = createWriteStream(path);
  let chunk = '';
  for (let i = from; i < from + count; i++) {
    chunk += `${JSON.stringify(exportRecord(prefix, i))}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = '';
    }
  }
  out.write(chunk);
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}
