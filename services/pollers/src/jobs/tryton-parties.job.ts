import { partyCustomerUpdated, type PartyChange } from '@switchboard/connectors';

import { postChanges, readFrom, toStamp, type IngestPort } from './post-changes';
import type { PassContext, PassResult, PollerJob } from './poller-job';

export interface TrytonPartiesJobOptions {
  /** `tryton-parties` (the ERP's parties, default) or `crm-parties` (the CRM's). */
  name?: 'tryton-parties' | 'crm-parties';
  /** The source the events are posted as: the system the parties belong to (default `erp`). */
  source?: 'erp' | 'crm';
  /**
   * The parties changed at or after a time, each with what it stands for (TrytonParties or
   * TrytonCrmParties `.changesSince`), oldest first.
   */
  parties: { changesSince(since: string): Promise<PartyChange[]> };
  ingest: IngestPort;
  intervalMs: number;
  overlapSeconds: number;
  /** Where the first pass starts without a checkpoint (RFC 3339); default now. */
  startAt?: string;
}

/**
 * customer_updated from a Tryton database's parties: the ERP's (`tryton-parties`, posted as `erp`)
 * or the CRM's (`crm-parties`, posted as `crm`, accounts and contacts). The record id is the party
 * code (the id erp-orders reports the ERP customer under; the CRM's account or contact id); the
 * source event id `<prefix>-<party id>-<newest change time>`, so a party read again unchanged is a
 * duplicate for ingest, while any new edit is a new event. customer-sync decides what each system
 * may change (deploy/ownership.yaml) and drops echoes of the values it sent there, so the job sends
 * what the party holds and filters nothing.
 */
export class TrytonPartiesJob implements PollerJob {
  readonly name: 'tryton-parties' | 'crm-parties';
  readonly intervalMs: number;
  private readonly source: 'erp' | 'crm';

  constructor(private readonly options: TrytonPartiesJobOptions) {
    this.name = options.name ?? 'tryton-parties';
    this.source = options.source ?? 'erp';
    this.intervalMs = options.intervalMs;
  }

  async pass(context: PassContext): Promise<PassResult> {
    const checkpoint = context.checkpoint ?? toStamp(this.options.startAt ?? new Date().toISOString());
    const parties = await this.options.parties.changesSince(
      readFrom(checkpoint, this.options.overlapSeconds),
    );
    const changes = parties.map(({ party, kind, archived }) => ({
      key: String(party.id),
      changedAt: party.changedAt,
      event: partyCustomerUpdated(party, kind, archived),
    }));
    return postChanges(this.options.ingest, this.source, changes, checkpoint, context);
  }
}
