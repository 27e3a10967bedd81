import { postChanges, readFrom, toStamp, type Change, type IngestPort } from './post-changes';
import type { PassContext, PassResult, PollerJob } from './poller-job';

/** What the job reads of Request Tracker: one REST2 call (RequestTrackerConnector.request). */
export interface RequestTrackerPort {
  request<T>(method: 'GET', path: string): Promise<T>;
}

export interface RtEscalationsJobOptions {
  rt: RequestTrackerPort;
  ingest: IngestPort;
  queue: string;
  /** The priority from which a ticket counts as escalated. */
  minPriority: number;
  intervalMs: number;
  overlapSeconds: number;
  /** Where the first pass starts without a checkpoint (RFC 3339); default now. */
  startAt?: string;
}

interface TicketItem {
  id: string | number;
  Subject?: string;
  Priority?: string | number;
  LastUpdated?: string;
}

/** RT's REST2 pages; a queue with more open escalations than this is refused loudly, not cut. */
const MAX_PAGES = 100;

/** A ticket as its ticket_escalated, or null when it is not one of Switchboard's (no account tag). */
export function escalationOf(ticket: TicketItem): Change | null {
  const account = /\[acct:([^\]]+)\]/.exec(ticket.Subject ?? '')?.[1];
  if (!account || !ticket.LastUpdated) return null;
  const priority = Number(ticket.Priority ?? 0);
  return {
    key: String(ticket.id),
    changedAt: toStamp(ticket.LastUpdated),
    event: {
      // The same ticket at the same priority is the same escalation; a further raise (80 -> 95) a new one.
      id: `rt-${ticket.id}-p${priority}`,
      type: 'ticket_escalated',
      data: {
        ticketId: `RT-${ticket.id}`,
        crmAccountId: account,
        subject:
          (ticket.Subject ?? '').replace(/\s*\[(acct|sb):[^\]]*\]/g, '').trim() || `RT ticket ${ticket.id}`,
        priority: priority >= 95 ? 'urgent' : 'high',
        reason: `Request Tracker priority raised to ${priority}`,
        escalatedAt: new Date(ticket.LastUpdated).toISOString(),
      },
    },
  };
}

/**
 * ticket_escalated from Request Tracker, posted as the `support` source: open tickets of the
 * onboarding queue whose priority reached the threshold, updated since the checkpoint (less the
 * overlap). The time filter is applied here, on RT's own ISO `LastUpdated`, not in TicketSQL, whose
 * date literals RT reads in the user's time zone.
 */
export class RtEscalationsJob implements PollerJob {
  readonly name = 'rt-escalations';
  readonly intervalMs: number;

  constructor(private readonly options: RtEscalationsJobOptions) {
    this.intervalMs = options.intervalMs;
  }

  async pass(context: PassContext): Promise<PassResult> {
    const checkpoint = context.checkpoint ?? toStamp(this.options.startAt ?? new Date().toISOString());
    const from = toStamp(readFrom(checkpoint, this.options.overlapSeconds));
    const { queue, minPriority } = this.options;
    const query = `Queue = '${queue.replace(/'/g, "\\'")}' AND Priority >= ${minPriority} AND Status != 'resolved' AND Status != 'rejected'`;
    const changes: Change[] = [];
    for (let page = 1; ; page += 1) {
      if (page > MAX_PAGES) throw new Error(`more than ${MAX_PAGES} pages of escalated tickets`);
      const found = await this.options.rt.request<{ items?: TicketItem[]; pages?: number }>(
        'GET',
        `/tickets?query=${encodeURIComponent(query)}&fields=Subject,Priority,LastUpdated&per_page=100&page=${page}`,
      );
      for (const ticket of found.items ?? []) {
        const change = escalationOf(ticket);
        if (change && change.changedAt >= from) changes.push(change);
      }
      if (!found.pages || page >= found.pages) break;
    }
    return postChanges(this.options.ingest, 'support', changes, checkpoint, context);
  }
}
