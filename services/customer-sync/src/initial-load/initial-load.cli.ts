import 'reflect-metadata';

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
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
import { FileSource, encodingOf, formatOf } from './record-reader';
import type { Checkpoint, RecordSource } from './record-source';
import { trytonSourceFromEnv } from './tryton-source';

const USAGE = `Usage: node dist/services/customer-sync/src/initial-load/initial-load.cli.js <file> [options]
       node dist/services/customer-sync/src/initial-load/initial-load.cli.js --from tryton [options]

Loads a full customer export (NDJSON: one JSON object per line; CSV: a header row in any column
order, dotted columns such as billingAddress.city, fields quoted as RFC 4180 says), or the parties
read straight from Tryton's API, into the canonical store, in batches, with the live sync's rules.
Running the same command again after a crash resumes after the last committed batch.

Options:
  --from <source>      file (default: the <file> given) or tryton (every active party, in id order;
                       TRYTON_URL, TRYTON_DATABASE, TRYTON_USER, TRYTON_PASSWORD or TRYTON_PASSWORD_FILE)
  --code-like <p>      tryton: only parties whose code matches this pattern (% any text, _ one character)
  --system <name>      system the export comes from (default erp): crm, erp, finance, support, marketing, ecommerce
  --format <f>         ndjson or csv (default: from the file name)
  --delimiter <c>      CSV field delimiter: ';', ',', tab or '|' (default: the one the header uses most)
  --encoding <e>       CSV text: utf-8 or windows-1252 (default: utf-8 if the file's head is UTF-8;
                       a UTF-8 BOM is dropped)
  --batch-size <n>     records per transaction, parties per Tryton page (default 5000)
  --as-of <time>       source time of records without changedAt (default: now)
  --no-publish         only build the canonical store; send nothing to the other systems
  --restart            start over instead of resuming an unfinished load of the same file or Tryton
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

/** A run's checkpoint: the position its last committed batch ended at (load_run.byte_offset). */
function from(run: RunRow): Checkpoint {
  return { position: Number(run.byte_offset), records: Number(run.records) };
}

function fileSource(
  file: string,
  values: { format?: string; encoding?: string; delimiter?: string },
): FileSource {
  const delimiter = values.delimiter === 'tab' ? '\t' : values.delimiter;
  if (delimiter !== undefined && ![';', ',', '\t', '|'].includes(delimiter))
    throw new Error(`--delimiter must be ';', ',', tab or '|', not ${delimiter}`);
  return new FileSource(file, formatOf(file, values.format), {
    delimiter,
    encoding: encodingOf(values.encoding),
  });
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      from: { type: 'string', default: 'file' },
      'code-like': { type: 'string' },
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
  const pull = values.from === 'tryton';
  if (!pull && values.from !== 'file') throw new Error(`--from must be file or tryton, not ${values.from}`);
  if (values.help || positionals.length !== (pull ? 0 : 1)) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 64;
  }
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  if (!isSourceSystem(values.system))
    throw new Error(`--system must be a source system, not ${values.system}`);
  const system: SourceSystem = values.system;
  const source: RecordSource = pull
    ? trytonSourceFromEnv(process.env, values['code-like'])
    : fileSource(resolve(positionals[0]), values);
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 20_000)
    throw new Error('--batch-size must be 1..20000');
  const asOf = values['as-of'] ? parseTimestamp(values['as-of']) : Date.now();
  const config = ownership();
  const { location, name, size, fingerprint: print } = await source.identify();

  const dataSource = new DataSource(serviceDataSourceOptions(customerSyncService, url, 4));
  await dataSource.initialize();
  try {
    // One load of a source at a time; a second command waits instead of loading it twice.
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
          `${name} was loaded completely by ${run.id}; nothing to do (--restart loads it again)\n`,
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
          [id, location, size, print, source.format, system],
        );
        [run] = await dataSource.query(
          `SELECT id, status, byte_offset, records, counts, failures, started_at FROM load_run WHERE id = $1`,
          [id],
        );
      } else {
        process.stderr.write(
          `resuming ${run.id} after record ${run.records} (${source.describe(from(run), size)})\n`,
        );
      }
      const counts = { ...emptyCounts(), ...run.counts };
      const failures = [...run.failures];
      const started = Date.now();
      const start = from(run);
      const startRecords = start.records;
      const progress = new Progress(size, process.stderr, source.progressOf(start));
      let peakRss = process.memoryUsage().rss;
      const loader = new InitialLoader(dataSource, config, new OutboxWriter(customerSyncService.schema));
      const result = await loader.run({
        source,
        system,
        batchSize,
        asOf,
        publish: !values['no-publish'],
        runId: run.id,
        from: start,
        counts,
        failures,
        onProgress: (at, now) => {
          peakRss = Math.max(peakRss, process.memoryUsage().rss);
          progress.update(
            at.records,
            source.progressOf(at),
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
        file: name,
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
