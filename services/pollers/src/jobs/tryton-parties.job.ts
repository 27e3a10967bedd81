import { partyCustomerUpdated, type PartySnapshot } from '@switchboard/connectors';

import { postChanges, readFrom, toStamp, type IngestPort } from './post-changes';
import type { PassContext, PassResult, PollerJob } from './poller-job';

export interface TrytonPartiesJobOptions {
  /** The parties changed at or after a time (TrytonParties.changedSince), oldest first. */
  parties: { changedSince(since: string): Promise<PartySnapshot[]> };
  ingest: IngestPort;
  intervalMs: number;
  overlapSeconds: number;
  /** Where the first pass starts without a checkpoint (RFC 3339); default now. */
  startAt?: string;
}

/**
 * customer_updated from Tryton, posted as the `erp` source. The record id is the party code (the id
 * erp-orders reports the ERP customer under); the source event id `tryton-party-<id>-<newest change
 * time>`, so a party read again unchanged is a duplicate for ingest, while any new edit is a new
 * event. customer-sync decides what the ERP may change (deploy/ownership.yaml) and drops echoes of
 * the values it sent to the ERP, so the job sends what the party holds and filters nothing.
 */
export class TrytonPartiesJob implements PollerJob {
  readonly name = 'tryton-parties';
  readonly intervalMs: number;

  constructor(private readonly options: TrytonPartiesJobOptions) {
    this.intervalMs = options.intervalMs;
  }

  async pass(context: PassContext): Promise<PassResult> {
    const checkpoint = context.checkpoint ?? toStamp(this.options.startAt ?? new Date().toISOString());
    const parties = await this.options.parties.changedSince(
      readFrom(checkpoint, this.options.overlapSeconds),
    );
    const changes = parties.map((party) => ({
      key: String(party.id),
      changedAt: party.changedAt,
      event: partyCustomerUpdated(party),
    }));
    return postChanges(this.options.ingest, 'erp', changes, checkpoint, context);
  }
}
