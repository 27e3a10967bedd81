// ticket_escalated from Request Tracker: a poller that finds onboarding tickets whose priority was
// raised to the escalation threshold and posts them to ingest as the `support` source, signed like
// any source system (docs/integrating.md). The source event id is `rt-<ticket>-p<priority>`, so
// polling the same ticket again is deduplicated by ingest (same id -> same event, one message), and
// a further raise (say 80 -> 95) is a new escalation.
//
//   node dist/scripts/rt-escalation-poller.js          # every RT_ESCALATION_POLL_MS (default 30 s)
//   node dist/scripts/rt-escalation-poller.js --once   # one pass
//
// Reads RT_URL, RT_USER, RT_PASSWORD(_FILE), RT_QUEUE (deploy/real-systems.env), INGEST_URL
// (default http://127.0.0.1:3000), INGEST_SECRET (the `support` source's secret only; never ingest's INGEST_SOURCE_SECRETS) and
// RT_ESCALATION_PRIORITY (default 80).
import { RequestTrackerConnector } from '@switchboard/connectors';
import { IngestClient } from '@switchboard/ingest-client';

import { ingestSecret, runMain, runPoller } from './support/poller';

export interface EscalationPollerOptions {
  rt: RequestTrackerConnector;
  queue: string;
  ingestUrl: string;
  /** The `support` source's HMAC secret. */
  secret: string;
  minPriority?: number;
}

interface TicketItem {
  id: string | number;
  Subject?: string;
  Priority?: string | number;
  LastUpdated?: string;
}

/** One pass: posts every escalated ticket; returns how many ingest accepted as new and as duplicates. */
export async function pollEscalations(
  options: EscalationPollerOptions,
): Promise<{ posted: number; duplicates: number }> {
  const minPriority = options.minPriority ?? 80;
  const query = `Queue = '${options.queue.replace(/'/g, "\\'")}' AND Priority >= ${minPriority} AND Status != 'resolved' AND Status != 'rejected'`;
  const ingest = new IngestClient(options.ingestUrl, { support: options.secret });
  let posted = 0;
  let duplicates = 0;
  for (let page = 1; page <= 100; page += 1) {
    const found = await options.rt.request<{ items?: TicketItem[]; pages?: number }>(
      'GET',
      `/tickets?query=${encodeURIComponent(query)}&fields=Subject,Priority,LastUpdated&per_page=100&page=${page}`,
    );
    for (const ticket of found.items ?? []) {
      const account = /\[acct:([^\]]+)\]/.exec(ticket.Subject ?? '')?.[1];
      if (!account) continue; // not one of ours
      const priority = Number(ticket.Priority ?? 0);
      const answered = await ingest.post('support', {
        id: `rt-${ticket.id}-p${priority}`,
        type: 'ticket_escalated',
        data: {
          ticketId: `RT-${ticket.id}`,
          crmAccountId: account,
          subject:
            (ticket.Subject ?? '').replace(/\s*\[(acct|sb):[^\]]*\]/g, '').trim() || `RT ticket ${ticket.id}`,
          priority: priority >= 95 ? 'urgent' : 'high',
          reason: `Request Tracker priority raised to ${priority}`,
          escalatedAt: new Date(ticket.LastUpdated ?? Date.now()).toISOString(),
        },
      });
      if (answered.status !== 202) throw new Error(`ingest refused ticket ${ticket.id}: ${answered.status}`);
      if ((answered.body as { duplicate?: boolean } | null)?.duplicate) duplicates += 1;
      else posted += 1;
    }
    if (!found.pages || page >= found.pages) break;
  }
  return { posted, duplicates };
}

async function main(): Promise<void> {
  const env = process.env;
  const secret = ingestSecret(env, 'support');
  if (!env.RT_URL || !env.RT_USER) {
    throw new Error('RT_URL, RT_USER, RT_PASSWORD(_FILE) are required');
  }
  const options: EscalationPollerOptions = {
    rt: new RequestTrackerConnector({
      name: 'rt-escalation-poller',
      url: env.RT_URL,
      username: env.RT_USER,
      password: env.RT_PASSWORD,
      passwordFile: env.RT_PASSWORD_FILE,
      queue: env.RT_QUEUE ?? 'Onboarding',
    }),
    queue: env.RT_QUEUE ?? 'Onboarding',
    ingestUrl: env.INGEST_URL ?? 'http://127.0.0.1:3000',
    secret,
    minPriority: Number(env.RT_ESCALATION_PRIORITY ?? 80),
  };
  const intervalMs = Number(env.RT_ESCALATION_POLL_MS ?? 30_000);
  await runPoller('rt escalation', intervalMs, () => pollEscalations(options));
}

runMain(module, main);
