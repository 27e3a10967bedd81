import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fingerprint, parseCsvRecord, readRecords, type RawRecord } from './record-reader';

async function all(
  path: string,
  format: 'csv' | 'ndjson',
  startOffset = 0,
  startNumber = 0,
): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const batch of readRecords(path, format, { startOffset, startNumber, batchSize: 2 }))
    out.push(...batch);
  return out;
}

describe('export files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'records-'));

  it('parses RFC 4180 CSV: quotes, escaped quotes, commas and newlines inside quotes', () => {
    expect(parseCsvRecord('a,"b, c","say ""hi""",')).toEqual(['a', 'b, c', 'say "hi"', '']);
  });

  it('reads CSV records into nested objects, empty cells absent, multi-line cells kept', async () => {
    const file = join(dir, 'a.csv');
    writeFileSync(
      file,
      'externalId,name,billingAddress.city\r\nC-1,"Müller, ""M"" & Co",Köln\nC-2,"two\nlines",\nC-3,x\n',
    );
    const records = await all(file, 'csv');
    expect(records.map((r) => [r.number, r.value, r.error])).toEqual([
      [1, { externalId: 'C-1', name: 'Müller, "M" & Co', billingAddress: { city: 'Köln' } }, undefined],
      [2, { externalId: 'C-2', name: 'two\nlines' }, undefined],
      [3, null, 'has 2 columns, the header 3'],
    ]);
  });

  it('resumes NDJSON at a byte offset with the record numbers going on', async () => {
    const file = join(dir, 'a.ndjson');
    writeFileSync(file, '{"externalId":"A"}\n{"externalId":"Ä"}\nnot json\n{"externalId":"C"}');
    const records = await all(file, 'ndjson');
    expect(records.map((r) => r.value?.externalId ?? r.error)).toEqual(['A', 'Ä', 'is not valid JSON', 'C']);
    const resumed = await all(file, 'ndjson', records[1].endOffset, records[1].number);
    expect(resumed.map((r) => [r.number, r.value?.externalId ?? r.error])).toEqual([
      [3, 'is not valid JSON'],
      [4, 'C'],
    ]);
    expect(fingerprint(file)).toEqual(fingerprint(file));
  });
});
