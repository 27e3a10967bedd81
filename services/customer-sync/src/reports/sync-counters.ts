import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Counter } from 'prom-client';
import type { EntityManager } from 'typeorm';

import { TALLY_KEYS, type SyncTally } from '../sync/sync.types';

export const syncOutcomes = new Counter({
  name: 'customer_sync_outcomes_total',
  help: 'Records and fields handled by customer-sync, by outcome (created, updated, unchanged, conflicts, refused, echoes, stale)',
  labelNames: ['outcome'] as const,
});
// Every outcome is exposed from the start (at 0): a rate over a series that does not exist yet is
// no rate at all, and the conflict-rate alert divides by these.
for (const outcome of TALLY_KEYS) syncOutcomes.inc({ outcome }, 0);

/** Adds a handler's tally to its run window's counters (one row per partition: no contention). */
@Injectable()
export class SyncCounters {
  private readonly windowMs: number;

  constructor(@Inject(ConfigService) config: ConfigService) {
    this.windowMs = config.getOrThrow<number>('CUSTOMER_SYNC_REPORT_WINDOW_SECONDS') * 1000;
  }

  windowStart(at = Date.now()): Date {
    return new Date(Math.floor(at / this.windowMs) * this.windowMs);
  }

  get windowLengthMs(): number {
    return this.windowMs;
  }

  async add(
    m: EntityManager,
    delivery: { topic: string; partition: number },
    tally: SyncTally,
  ): Promise<void> {
    const keys = TALLY_KEYS.filter((key) => key !== 'failed');
    if (keys.every((key) => tally[key] === 0)) return;
    for (const key of keys) if (tally[key] > 0) syncOutcomes.inc({ outcome: key }, tally[key]);
    await m.query(
      `INSERT INTO sync_counter (window_start, topic, kafka_partition, ${keys.join(', ')})
       VALUES ($1, $2, $3, ${keys.map((_, i) => `$${i + 4}`).join(', ')})
       ON CONFLICT (window_start, topic, kafka_partition) DO UPDATE SET
         ${keys.map((key) => `${key} = sync_counter.${key} + EXCLUDED.${key}`).join(', ')}`,
      [this.windowStart(), delivery.topic, delivery.partition, ...keys.map((key) => tally[key])],
    );
  }
}
