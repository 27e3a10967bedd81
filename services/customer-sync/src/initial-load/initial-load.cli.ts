import 'reflect-metadata';

import { writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { DataSource } from 'typeorm';

import { isSourceSystem, type SourceSystem } from '@switchboard/contracts';
import { OwnershipConfigError, parseTimestamp } from '@switchboard/master-data';
import { OutboxWriter } from '@switchboard/outbox';
import { serviceDataSourceOptions } from '@switchboard/platform';

import { ownership } from '../config/ownership.provider';
import { sendReports } from '../reports/webhook';
import { customerSyncService } from '../service.definition';
import { InitialLoader, emptyCounts, type LoadCounts, type LoadFailure } from './initial-loader';
import { Progress } from './progress';
import { encodingOf, fingerprint, formatOf } from './record-reader';

const USAGE = `Usage: node dist/services/customer-sync/src/initial-load/initial-load.cli.js <file> [options]

Loads a full customer export (NDJSON: one JSON object per line; CSV: a header row in any column
order, dotted columns such as billingAddress.city, fields quoted as RFC 4180 says) into the
canonical store, in batches, with the live sync's rules.
Running the same command again after a crash resumes after the last committed batch.

Options:
  --system <name>      system the export comes from (default erp): crm, erp, finance, support, marketing, ecommerce
  --format <f>         ndjson or csv (default: from the file name)
  --delimiter <c>      CSV field delimiter: ';', ',', tab or '|' (default: the one the header uses most)
  --encoding <e>       CSV text: utf-8 or windows-1252 (default: utf-8 if the file's head is UTF-8;
                       a UTF-8 BOM is dropped)
  --batch-size <n>     records per transaction (default 5000)
  --as-of <time>       source time of records without changedAt (default: now)
  --no-publish         only build the canonical store; send nothing to the other systems
  --restart            start over instead of resuming an unfinished load of the same file
  --report-file <path> also write the final report there (JSON)
Environment: DATABASE_URL (required), CUSTOMER_SYNC_OWNERSHIP_FILE, CUSTOMER_SYNC_REPORT_WEBHOOK_URL, CUSTOMER_SYNC_REPORT_WEBHOOK_SECRET.`;

interface RunRow {
  id: string;
  status: string;
  byte_offset: string;
  records: string;
  counts: LoadCounts;
  failures: LoadFailure[];
  started_at: Date;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      system: { type: 'string', default: 'erp' },
      format: { type: 'string' },
      delimiter: { type: 'string' },
      encoding: { type: 'string' },
      'batch-size': { type: 'string', default: '5000' },
      'as-of': { type: 'string' },
      'no-publish': { type: 'boolean', default: false },
      restart: { type: 'boolean', default: false },
      'report-file': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || positionals.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 64;
  }
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  if (!isSourceSystem(values.system))
    throw new Error(`--system must be a source system, not ${values.system}`);
  const system: SourceSystem = values.system;
  const file = resolve(positionals[0]);
  const format = formatOf(file, values.format);
  const encoding = encodingOf(values.encoding);
  const delimiter = values.delimiter === 'tab' ? '\t' : values.delimiter;
  if (delimiter !== undefined && ![';', ',', '\t', '|'].includes(delimiter))
    throw new Error(`--delimiter must be ';', ',', tab or '|', not ${delimiter}`);
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 20_000)
    throw new Error('--batch-size must be 1..20000');
  const asOf = values['as-of'] ? parseTimestamp(values['as-of']) : Date.now();
  const config = ownership();
  const { size, fingerprint: print } = fingerprint(file);

  const dataSource = new DataSource(serviceDataSourceOptions(customerSyncService, url, 4));
  await dataSource.initialize();
  try {
    // One load of a file at a time; a second command waits instead of loading it twice.
    const lock = dataSource.createQueryRunner();
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`customer-sync:load:${print}`]);
    try {
      let [run]: RunRow[] = await dataSource.query(
        `SELECT id, status, byte_offset, records, counts, failures, started_at FROM load_run
         WHERE file_fingerprint = $1 AND system = $2 ORDER BY started_at DESC LIMIT 1`,
        [print, system],
      );
      if (run?.status === 'completed' && !values.restart) {
        process.stderr.write(
          `${basename(file)} was loaded completely by ${run.id}; nothing to do (--restart loads it again)\n`,
        );
        const [report]: Array<{ report: unknown }> = await dataSource.query(
          `SELECT report FROM sync_report WHERE id = $1`,
          [`initial_load:${run.id}`],
        );
        process.stdout.write(`${JSON.stringify(report?.report ?? null)}\n`);
        return 0;
      }
      const resuming = run?.status === 'running' && !values.restart;
      if (!resuming) {
        const id = `load-${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${print.slice(0, 8)}`;
        await dataSource.query(
          `INSERT INTO load_run (id, file_path, file_size, file_fingerprint, format, system, status) VALUES ($1, $2, $3, $4, $5, $6, 'running')`,
          [id, file, size, print, format, system],
        );
        [run] = await dataSource.query(
          `SELECT id, status, byte_offset, records, counts, failures, started_at FROM load_run WHERE id = $1`,
          [id],
        );
      } else {
        process.stderr.write(
          `resuming ${run.id} after record ${run.records} (byte ${run.byte_offset} of ${size})\n`,
        );
      }
      const counts = { ...emptyCounts(), ...run.counts };
      const failures = [...run.failures];
      const started = Date.now();
      const startRecords = Number(run.records);
      const progress = new Progress(size, process.stderr, Number(run.byte_offset));
      let peakRss = process.memoryUsage().rss;
      const loader = new InitialLoader(dataSource, config, new OutboxWriter(customerSyncService.schema));
      const result = await loader.run({
        file,
        format,
        delimiter,
        encoding,
        system,
        batchSize,
        asOf,
        publish: !values['no-publish'],
        runId: run.id,
        startOffset: Number(run.byte_offset),
        startRecords,
        counts,
        failures,
        onProgress: (records, offset, now) => {
          peakRss = Math.max(peakRss, process.memoryUsage().rss);
          progress.update(
            records,
            offset,
            `created ${now.created} updated ${now.updated} failed ${now.failed}`,
          );
        },
      });
      progress.done();
      const durationMs = Date.now() - started;
      const report = {
        kind: 'initial_load',
        id: `initial_load:${run.id}`,
        service: 'customer-sync',
        file: basename(file),
        system,
        windowStart: new Date(run.started_at).toISOString(),
        windowEnd: new Date().toISOString(),
        records: result.records,
        resumedAfterRecord: resuming ? startRecords : null,
        counts,
        failures: failures.slice(0, 100),
        durationMs,
        recordsPerSecond: Math.round(((result.records - startRecords) * 1000) / Math.max(1, durationMs)),
        peakRssMb: Math.round(peakRss / 1048576),
      };
      await dataSource.transaction(async (m) => {
        await m.query(`UPDATE load_run SET status = 'completed', finished_at = now() WHERE id = $1`, [
          run.id,
        ]);
        await m.query(
          `INSERT INTO sync_report (id, kind, window_start, window_end, report) VALUES ($1, 'initial_load', $2, now(), $3::jsonb)
           ON CONFLICT (id) DO UPDATE SET report = EXCLUDED.report`,
          [report.id, run.started_at, JSON.stringify(report)],
        );
      });
      const webhook = process.env.CUSTOMER_SYNC_REPORT_WEBHOOK_URL;
      const secret = process.env.CUSTOMER_SYNC_REPORT_WEBHOOK_SECRET ?? '';
      if (webhook && secret.length < 24)
        process.stderr.write(
          'report not sent: CUSTOMER_SYNC_REPORT_WEBHOOK_SECRET (24+ characters) is required\n',
        );
      else if (webhook)
        await sendReports(
          dataSource,
          { url: webhook, secret },
          {
            warn: (m) => process.stderr.write(`${JSON.stringify(m)}\n`),
          },
        );
      if (values['report-file']) writeFileSync(values['report-file'], `${JSON.stringify(report, null, 2)}\n`);
      process.stdout.write(`${JSON.stringify(report)}\n`);
      process.stderr.write(
        `loaded ${result.records} records in ${(durationMs / 1000).toFixed(1)} s: created ${counts.created}, updated ${counts.updated}, unchanged ${counts.unchanged}, conflicts ${counts.conflicts}, failed ${counts.failed}\n`,
      );
      return 0;
    } finally {
      await lock.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      await lock.release();
    }
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `initial load failed: ${error instanceof OwnershipConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
