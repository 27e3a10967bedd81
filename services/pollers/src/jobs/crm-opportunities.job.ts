import { opportunityDealWon, type OpportunitySnapshot } from '@switchboard/connectors';

import { PollerError, PollerErrorCode } from '../pollers.errors';
import { leadOwnerDecision } from './lead-owner';
import { postChanges, readFrom, toStamp, type Change, type IngestPort } from './post-changes';
import type { PassContext, PassResult, PollerJob } from './poller-job';

/** What the job reads and writes of the CRM (TrytonCrmOpportunities). */
export interface CrmOpportunitiesPort {
  changedSince(since: string): Promise<OpportunitySnapshot[]>;
  assignOwner(opportunityId: number, employeeId: number): Promise<void>;
  employeeOfLogin(login: string): Promise<number | null>;
}

/** What a pass did besides posting: an opportunity it could not post, a lead it gave the default owner. */
export interface CrmOpportunitiesReport {
  /** A won opportunity that is no valid deal: the contract's field names, never their values. */
  skipped(opportunityId: number, fields: string[]): void;
  assigned(opportunityId: number): void;
}

export interface CrmOpportunitiesJobOptions {
  crm: CrmOpportunitiesPort;
  ingest: IngestPort;
  intervalMs: number;
  overlapSeconds: number;
  /** The tax rate of the deals (the CRM keeps none). */
  taxRatePercent: string;
  /** The login of the CRM user who gets the leads nobody in sales created (ownership's defaultAccountOwner). */
  defaultOwner: string;
  /** The CRM groups whose members are sales users. */
  salesGroups: readonly string[];
  report: CrmOpportunitiesReport;
  /** Where the first pass starts without a checkpoint (RFC 3339); default now. */
  startAt?: string;
}

/**
 * The CRM's opportunities, posted as the `crm` source: each won one becomes one `deal_won` (source
 * event id `crm-opportunity-<id>-won`, so reading it again, after a restart or on a new leader, is a
 * duplicate for ingest, never a second deal); a won one that is no valid deal is reported and passed
 * over, it does not hold up the others (an edit that repairs it is read again). A lead nobody in sales
 * created and nobody owns gets the default owner, written into the CRM.
 */
export class CrmOpportunitiesJob implements PollerJob {
  readonly name = 'crm-opportunities';
  readonly intervalMs: number;
  private defaultOwnerEmployee: number | null = null;

  constructor(private readonly options: CrmOpportunitiesJobOptions) {
    this.intervalMs = options.intervalMs;
  }

  async pass(context: PassContext): Promise<PassResult> {
    const { crm, report } = this.options;
    const checkpoint = context.checkpoint ?? toStamp(this.options.startAt ?? new Date().toISOString());
    const opportunities = await crm.changedSince(readFrom(checkpoint, this.options.overlapSeconds));
    const changes: Change[] = [];
    // What the pass settles without a post: the checkpoint may pass it once every post is accepted.
    let settled = checkpoint;
    for (const opportunity of opportunities) {
      if (opportunity.state === 'won') {
        const deal = opportunityDealWon(opportunity, this.options.taxRatePercent);
        if (deal.ok) {
          changes.push({ key: String(opportunity.id), changedAt: opportunity.changedAt, event: deal.event });
          continue;
        }
        report.skipped(opportunity.id, deal.fields);
      } else if (leadOwnerDecision(opportunity, this.options.salesGroups).assign) {
        if (!context.stillLeading()) {
          throw new PollerError(PollerErrorCode.LeadershipLost, 'leadership lost during the pass');
        }
        await crm.assignOwner(opportunity.id, await this.defaultOwnerEmployeeId());
        report.assigned(opportunity.id);
      }
      if (opportunity.changedAt > settled) settled = opportunity.changedAt;
    }
    return postChanges(this.options.ingest, 'crm', changes, settled, context);
  }

  private async defaultOwnerEmployeeId(): Promise<number> {
    this.defaultOwnerEmployee ??= await this.options.crm.employeeOfLogin(this.options.defaultOwner);
    if (this.defaultOwnerEmployee === null) {
      throw new PollerError(
        PollerErrorCode.SourceFailed,
        `the CRM has no user ${this.options.defaultOwner} with an employee to own leads`,
      );
    }
    return this.defaultOwnerEmployee;
  }
}
