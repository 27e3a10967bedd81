import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';

type Reader = () => Promise<Array<{ kind: string; open: number }>>;

let reader: Reader | null = null;

/** Open review items (conflicts and ambiguous matches waiting for a person), read at scrape time. */
export const reviewQueueDepth = new Gauge({
  name: 'switchboard_customer_sync_review_queue_items',
  help: 'Open review items waiting for a data steward, by kind (conflict, ambiguous_match)',
  labelNames: ['kind'] as const,
  async collect() {
    if (!reader) return;
    for (const kind of ['conflict', 'ambiguous_match']) this.set({ kind }, 0);
    for (const row of await reader().catch(() => [])) this.set({ kind: row.kind }, row.open);
  },
});

@Injectable()
export class ReviewQueueMetrics implements OnModuleInit {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    reader = () =>
      this.dataSource.query(
        `SELECT kind, count(*)::int AS open FROM review_item WHERE status = 'open' GROUP BY kind`,
      );
  }
}
