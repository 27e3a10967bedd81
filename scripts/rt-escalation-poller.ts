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
// (default http://127.0.0.1:3000), INGEST_SOURCE_SECRETS (the `support` secret) and
// RT_ESCALATION_PRIORITY (default 80).
import { createHmac } from 'node:crypto';

import { RequestTrackerConnector } from '@switchboard/connectors';

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
      const body = JSON.stringify({
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
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = `v1=${createHmac('sha256', options.secret).update(`${timestamp}.${body}`).digest('hex')}`;
      const response = await fetch(`${options.ingestUrl}/v1/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-switchboard-source': 'support',
          'x-switchboard-timestamp': timestamp,
          'x-switchboard-signature': signature,
        },
        body,
      });
      const answer = (await response.json().catch(() => ({}))) as { duplicate?: boolean };
      if (response.status !== 202) throw new Error(`ingest refused ticket ${ticket.id}: ${response.status}`);
      if (answer.duplicate) duplicates += 1;
      else posted += 1;
    }
    if (!found.pages || page >= found.pages) break;
  }
  return { posted, duplicates };
}

async function main(): Promise<void> {
  const env = process.env;
  const secret = (env.INGEST_SOURCE_SECRETS ?? '')
    .split(',')
    .map((pair) => pair.split('=', 2))
    .find(([source]) => source === 'support')?.[1];
  if (!env.RT_URL || !env.RT_USER || !secret) {
    throw new Error(
      'RT_URL, RT_USER, RT_PASSWORD(_FILE) and INGEST_SOURCE_SECRETS (support=...) are required',
    );
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
  const once = process.argv.includes('--once');
  for (;;) {
    try {
      const result = await pollEscalations(options);
      console.log(JSON.stringify({ msg: 'rt escalation poll', ...result }));
    } catch (error) {
      // RT or ingest briefly away: the next pass catches up (the source event ids dedupe).
      if (once) throw error;
      console.error(JSON.stringify({ msg: 'rt escalation poll failed', error: String(error) }));
    }
    if (once) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
