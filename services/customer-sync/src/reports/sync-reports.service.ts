import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import { loadedFraction } from '../initial-load/progress';
import { progressIn, type SourceFormat } from '../initial-load/record-source';
import type { InitialLoadDto } from './dto/initial-load.dto';
import type { SyncReportDto } from './dto/sync-report.dto';
import { SyncCounters } from './sync-counters';
import { sendReports, type WebhookTarget } from './webhook';

/**
 * Closes each incremental run window into a report (the same shape as an initial load's), stores
 * it, and sends unsent reports to the configured webhook with exponential backoff. Safe with
 * several replicas: a report's id is its window, and sending locks rows with SKIP LOCKED.
 */
@Injectable()
export class SyncReportsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SyncReportsService.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly webhook: WebhookTarget | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly counters: SyncCounters,
    @Inject(ConfigService) config: ConfigService,
  ) {
    const url = config.get<string>('CUSTOMER_SYNC_REPORT_WEBHOOK_URL');
    this.webhook = url
      ? { url, secret: config.getOrThrow<string>('CUSTOMER_SYNC_REPORT_WEBHOOK_SECRET') }
      : undefined;
  }

  onApplicationBootstrap(): void {
    const every = Math.min(Math.max(this.counters.windowLengthMs / 4, 500), 30_000);
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.tick()
        .catch((error: unknown) =>
          this.logger.warn({ msg: 'sync report round failed', error: String(error) }),
        )
        .finally(() => (this.running = null));
    }, every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  async tick(): Promise<void> {
    await this.closeWindows();
    if (this.webhook) await sendReports(this.dataSource, this.webhook, this.logger);
  }

  /** Every finished window with activity gets its report once. */
  async closeWindows(): Promise<void> {
    const current = this.counters.windowStart();
    const length = this.counters.windowLengthMs;
    const windows: Array<Record<string, string> & { window_start: Date }> = await this.dataSource.query(
      `SELECT window_start, sum(created)::int AS created, sum(updated)::int AS updated, sum(unchanged)::int AS unchanged,
              sum(conflicts)::int AS conflicts, sum(refused)::int AS refused, sum(echoes)::int AS echoes, sum(stale)::int AS stale
       FROM sync_counter c
       WHERE window_start < $1
         AND NOT EXISTS (SELECT 1 FROM sync_report r WHERE r.id = 'incremental:' || to_char(c.window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
       GROUP BY window_start ORDER BY window_start LIMIT 100`,
      [current],
    );
    for (const window of windows) {
      const start = new Date(window.window_start);
      const end = new Date(start.getTime() + length);
      const [failed]: Array<{ n: number }> = await this.dataSource.query(
        `SELECT count(*)::int AS n FROM inbox_message WHERE status = 'dead_lettered' AND processed_at >= $1 AND processed_at < $2`,
        [start, end],
      );
      const id = `incremental:${start.toISOString().replace('.000Z', 'Z')}`;
      const report = {
        kind: 'incremental',
        id,
        service: 'customer-sync',
        windowStart: start.toISOString(),
        windowEnd: end.toISOString(),
        counts: {
          created: Number(window.created),
          updated: Number(window.updated),
          unchanged: Number(window.unchanged),
          conflicts: Number(window.conflicts),
          failed: failed?.n ?? 0,
          refused: Number(window.refused),
          echoes: Number(window.echoes),
          stale: Number(window.stale),
        },
      };
      await this.dataSource.query(
        `INSERT INTO sync_report (id, kind, window_start, window_end, report) VALUES ($1, 'incremental', $2, $3, $4::jsonb)
         ON CONFLICT (id) DO NOTHING`,
        [id, start, end, JSON.stringify(report)],
      );
    }
  }

  list(kind?: string): Promise<SyncReportDto[]> {
    return this.dataSource.query(
      `SELECT report, created_at AS "createdAt", sent_at AS "sentAt", send_attempts AS "sendAttempts", last_error AS "lastError"
       FROM sync_report WHERE ($1::text IS NULL OR kind = $1) ORDER BY window_start DESC LIMIT 200`,
      [kind ?? null],
    );
  }

  /** The latest initial loads, running or completed, newest first, with how far each has read. */
  async initialLoads(limit = 20): Promise<InitialLoadDto[]> {
    const rows: Array<{
      id: string;
      system: string;
      file_path: string;
      format: SourceFormat;
      status: 'running' | 'completed';
      records: string;
      byte_offset: string;
      file_size: string;
      counts: Record<string, number>;
      started_at: Date;
      updated_at: Date;
      finished_at: Date | null;
    }> = await this.dataSource.query(
      `SELECT id, system, file_path, format, status, records, byte_offset, file_size, counts, started_at, updated_at, finished_at
       FROM load_run ORDER BY started_at DESC LIMIT $1`,
      [limit],
    );
    return rows.map((row) => ({
      id: row.id,
      system: row.system,
      // The server's directory says nothing to the reader and may name a person's home; a pull
      // names the system it reads.
      file: row.format === 'tryton' ? row.file_path : (row.file_path.split('/').at(-1) ?? row.file_path),
      status: row.status,
      records: Number(row.records),
      bytesRead: Number(row.byte_offset),
      fileSize: Number(row.file_size),
      // A completed load has read everything, whatever its last checkpoint said.
      progress:
        row.status === 'completed'
          ? 1
          : loadedFraction(
              progressIn(row.format, { position: Number(row.byte_offset), records: Number(row.records) }),
              Number(row.file_size),
            ),
      counts: row.counts,
      startedAt: row.started_at,
      updatedAt: row.updated_at,
      finishedAt: row.finished_at,
    }));
  }
}
