import { Counter, Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';

import { quoteIdent } from '@switchboard/outbox';

export const pollerPasses = new Counter({
  name: 'switchboard_poller_passes_total',
  help: 'Passes of a poller on the leader, by outcome (ok, failed)',
  labelNames: ['poller', 'outcome'] as const,
});

export const pollerEventsPosted = new Counter({
  name: 'switchboard_poller_events_posted_total',
  help: 'Events a poller posted that ingest accepted, new or duplicate (already accepted before)',
  labelNames: ['poller', 'result'] as const,
});

export const pollerErrors = new Counter({
  name: 'switchboard_poller_errors_total',
  help: 'Failed passes of a poller, by code (ingest_refused, leadership_lost, source_failed, checkpoint_failed)',
  labelNames: ['poller', 'code'] as const,
});

export const pollerRecords = new Counter({
  name: 'switchboard_poller_records_total',
  help: 'Records a poller handled without posting them: invalid (passed over, e.g. a won opportunity without lines), owner_assigned (a lead given the default owner)',
  labelNames: ['poller', 'outcome'] as const,
});

export const pollerLeader = new Gauge({
  name: 'switchboard_poller_leader',
  help: 'Whether this replica is the one that polls (1) or a standby (0)',
});

/**
 * Checkpoint gauges, read from the table at scrape time: every replica (the standbys too) reports
 * how long ago the leader last completed a pass, which is what an alert on a stuck poller needs.
 */
export function registerCheckpointMetrics(dataSource: DataSource, schema: string): void {
  const table = `${quoteIdent(schema)}.poller_checkpoint`;
  const read = (): Promise<Array<{ poller: string; age: number; position: number }>> =>
    dataSource.query(
      `SELECT poller, EXTRACT(EPOCH FROM now() - updated_at)::float AS age,
         EXTRACT(EPOCH FROM position::timestamptz)::float AS position
       FROM ${table}`,
    );
  new Gauge({
    name: 'switchboard_poller_checkpoint_age_seconds',
    help: 'Seconds since the poller last completed a pass and stored its checkpoint',
    labelNames: ['poller'] as const,
    async collect() {
      for (const row of await read()) this.set({ poller: row.poller }, row.age);
    },
  });
  new Gauge({
    name: 'switchboard_poller_checkpoint_position_seconds',
    help: "The poller's checkpoint: the newest change time of its system that ingest accepted (Unix time)",
    labelNames: ['poller'] as const,
    async collect() {
      for (const row of await read()) this.set({ poller: row.poller }, row.position);
    },
  });
}
