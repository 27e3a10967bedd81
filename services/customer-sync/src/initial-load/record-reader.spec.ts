import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { detectDelimiter, detectEncoding, fingerprint, readRecords, type ReadOptions } from './record-reader';
import type { RawRecord } from './record-source';

async function all(
  path: string,
  format: 'csv' | 'ndjson',
  startOffset = 0,
  startNumber = 0,
  options: Partial<ReadOptions> = {},
): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const batch of readRecords(path, format, { startOffset, startNumber, batchSize: 2, ...options }))
    out.push(...batch);
  return out;
}

const rows = (records: RawRecord[]) => records.map((r) => [r.number, r.value, r.error]);

describe('export files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'records-'));

  it('reads CSV records into nested objects, empty cells absent, multi-line cells kept', async () => {
    const file = join(dir, 'a.csv');
    writeFileSync(
      file,
      'externalId,name,billingAddress.city\r\nC-1,"Müller, ""M"" & Co",Köln\nC-2,"two\nlines",\nC-3,x\n',
    );
    const records = await all(file, 'csv');
    expect(rows(records)).toEqual([
      [1, { externalId: 'C-1', name: 'Müller, "M" & Co', billingAddress: { city: 'Köln' } }, undefined],
      [2, { externalId: 'C-2', name: 'two\nlines' }, undefined],
      [3, null, 'has 2 columns, the header 3'],
    ]);
  });

  it("reads ';' with quoted newlines, quotes and the header's own column order", async () => {
    const file = join(dir, 'semicolon.csv');
    writeFileSync(
      file,
      'name;externalId;phone\n"Rossi; Figli\nS.r.l.";IT-1;"+39 ""06"" 1234"\nBianchi;IT-2;\n',
    );
    expect(rows(await all(file, 'csv'))).toEqual([
      [1, { name: 'Rossi; Figli\nS.r.l.', externalId: 'IT-1', phone: '+39 "06" 1234' }, undefined],
      [2, { name: 'Bianchi', externalId: 'IT-2' }, undefined],
    ]);
  });

  it('reads tab-separated files and a quote inside an unquoted field as text', async () => {
    const file = join(dir, 'tabs.csv');
    writeFileSync(file, 'externalId\tname\nT-1\tMonitor 24" GmbH\n');
    expect(rows(await all(file, 'csv'))).toEqual([
      [1, { externalId: 'T-1', name: 'Monitor 24" GmbH' }, undefined],
    ]);
  });

  it('reads Windows-1252 with accented names (told or detected) and drops a UTF-8 BOM', async () => {
    const latin = join(dir, 'cp1252.csv');
    // 0x80 is the euro sign in Windows-1252 (a control character in Latin-1).
    const bytes = Buffer.from(
      'externalId;name\r\nDE-1;Müller & Söhne \x80\r\nIT-9;Società Àlfa\r\n',
      'latin1',
    );
    writeFileSync(latin, bytes);
    expect(detectEncoding(bytes)).toBe('windows-1252');
    const expected = [
      [1, { externalId: 'DE-1', name: 'Müller & Söhne €' }, undefined],
      [2, { externalId: 'IT-9', name: 'Società Àlfa' }, undefined],
    ];
    expect(rows(await all(latin, 'csv'))).toEqual(expected);
    expect(rows(await all(latin, 'csv', 0, 0, { encoding: 'windows-1252', delimiter: ';' }))).toEqual(
      expected,
    );

    const bom = join(dir, 'bom.csv');
    writeFileSync(
      bom,
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('externalId,name\nB-1,Åse\n')]),
    );
    expect(rows(await all(bom, 'csv'))).toEqual([[1, { externalId: 'B-1', name: 'Åse' }, undefined]]);
    const ndjson = join(dir, 'bom.ndjson');
    writeFileSync(
      ndjson,
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"externalId":"N-1"}\n')]),
    );
    expect(rows(await all(ndjson, 'ndjson'))).toEqual([[1, { externalId: 'N-1' }, undefined]]);
  });

  it('reports a bad row with its number and line and reads the rest', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'externalId,name\nG-1,ok\nG-2,"never closed\nG-3,x,y\n');
    const records = await all(file, 'csv');
    expect(records[0]).toMatchObject({ number: 1, value: { externalId: 'G-1', name: 'ok' } });
    expect(records[1]).toMatchObject({ number: 2, value: null });
    expect(records[1].error).toMatch(/^\(line \d+\) Quote Not Closed/);

    const columns = join(dir, 'columns.csv');
    writeFileSync(columns, 'externalId,name\nG-1,ok\nG-2\nG-3,fine\n');
    expect(rows(await all(columns, 'csv'))).toEqual([
      [1, { externalId: 'G-1', name: 'ok' }, undefined],
      [2, null, 'has 1 columns, the header 2'],
      [3, { externalId: 'G-3', name: 'fine' }, undefined],
    ]);
  });

  it('resumes CSV at a byte offset after multi-byte text and quoted newlines', async () => {
    const file = join(dir, 'resume.csv');
    writeFileSync(file, 'externalId;name\nR-1;"Jürgen\nZweite"\nR-2;Ærø\nR-3;Ōsaka\n');
    const records = await all(file, 'csv');
    const resumed = await all(file, 'csv', records[0].position, records[0].number);
    expect(rows(resumed)).toEqual(rows(records.slice(1)));
  });

  it('picks the delimiter the header uses most, outside quotes', () => {
    expect(detectDelimiter(Buffer.from('a;b;c\n1,2;3'))).toBe(';');
    expect(detectDelimiter(Buffer.from('"a;b",c,d\n'))).toBe(',');
    expect(detectDelimiter(Buffer.from('a\tb\n'))).toBe('\t');
  });

  it('resumes NDJSON at a byte offset with the record numbers going on', async () => {
    const file = join(dir, 'a.ndjson');
    writeFileSync(file, '{"externalId":"A"}\n{"externalId":"Ä"}\nnot json\n{"externalId":"C"}');
    const records = await all(file, 'ndjson');
    expect(records.map((r) => r.value?.externalId ?? r.error)).toEqual(['A', 'Ä', 'is not valid JSON', 'C']);
    const resumed = await all(file, 'ndjson', records[1].position, records[1].number);
    expect(resumed.map((r) => [r.number, r.value?.externalId ?? r.error])).toEqual([
      [3, 'is not valid JSON'],
      [4, 'C'],
    ]);
    expect(fingerprint(file)).toEqual(fingerprint(file));
  });
});
