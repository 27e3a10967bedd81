// customer_updated from Tryton: a poller that reads the parties changed since its checkpoint and
// posts each to ingest as the `erp` source, signed like any source system (docs/integrating.md).
// The record id is the party code (the id erp-orders reports the ERP customer under), the source
// event id `tryton-party-<party id>-<newest change time>`, so a party polled again unchanged is a
// duplicate for ingest (same id -> same event, one message), while any new edit is a new event.
// customer-sync decides what the ERP may change (deploy/ownership.yaml) and drops echoes of the
// values it sent to the ERP, so the poller sends what the party holds and filters nothing.
//
//   node dist/scripts/tryton-party-poller.js          # every TRYTON_PARTY_POLL_MS (default 30 s)
//   node dist/scripts/tryton-party-poller.js --once   # one pass
//
// Reads TRYTON_URL, TRYTON_DATABASE, TRYTON_USER, TRYTON_PASSWORD(_FILE) (deploy/real-systems.env),
// INGEST_URL (default http://127.0.0.1:3000), INGEST_SECRET (the `erp` source's secret only; never ingest's INGEST_SOURCE_SECRETS),
// TRYTON_PARTY_CHECKPOINT_FILE (default .stack/tryton-party-poller.checkpoint.json) and, for a
// first run without a checkpoint, TRYTON_PARTY_POLL_SINCE (RFC 3339; default: now, history being
// the initial load's job).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { TrytonClient, TrytonParties, partyCustomerUpdated } from '@switchboard/connectors';
import { IngestClient } from '@switchboard/ingest-client';

import { ingestSecret, runMain, runPoller } from './support/poller';

export interface PartyPollerOptions {
  parties: TrytonParties;
  ingestUrl: string;
  /** The `erp` source's HMAC secret. */
  secret: string;
  /** A JSON file `{"since": "<newest change time posted>"}`, written after each pass that posted. */
  checkpointFile: string;
  /** Where the first pass starts when there is no checkpoint file yet (RFC 3339); default now. */
  since?: string;
  /**
   * Each pass reads from this many seconds before the checkpoint: a Tryton transaction that
   * committed late with an older write_date is still seen; what was posted already is a duplicate.
   */
  overlapSeconds?: number;
}

export interface PollResult {
  posted: number;
  duplicates: number;
  /** The checkpoint after the pass: the newest change time posted (unchanged when nothing was). */
  checkpoint: string;
  /** Each party posted: its source event id and whether ingest had it already. */
  events: Array<{ partyId: number; id: string; duplicate: boolean }>;
}

/** An RFC 3339 time as the poller's stamps are written (microseconds, UTC), so they compare as strings. */
export function toStamp(iso: string): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) throw new Error(`not an RFC 3339 time: ${iso}`);
  return new Date(at).toISOString().replace('Z', '000Z');
}

/** The stored checkpoint, or null when there is no file yet. */
export function readCheckpoint(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const { since } = JSON.parse(text) as { since?: unknown };
  if (typeof since !== 'string' || Number.isNaN(Date.parse(since))) {
    throw new Error(
      `${file}: no valid "since" (delete the file to start again from TRYTON_PARTY_POLL_SINCE)`,
    );
  }
  return since;
}

function writeCheckpoint(file: string, since: string): void {
  mkdirSync(dirname(file), { recursive: true });
  // Write-then-rename: a crash mid-write leaves the old checkpoint, never a truncated file.
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ since, writtenAt: new Date().toISOString() })}\n`);
  renameSync(`${file}.tmp`, file);
}

/** One pass: posts every party changed since the checkpoint, oldest first, then moves the checkpoint. */
export async function pollOnce(options: PartyPollerOptions): Promise<PollResult> {
  const stored = readCheckpoint(options.checkpointFile);
  const checkpoint = stored ?? toStamp(options.since ?? new Date().toISOString());
  const from = new Date(Date.parse(checkpoint) - (options.overlapSeconds ?? 60) * 1000).toISOString();
  const parties = await options.parties.changedSince(from);
  const ingest = new IngestClient(options.ingestUrl, { erp: options.secret });
  let posted = 0;
  let duplicates = 0;
  let newest = checkpoint;
  const events: PollResult['events'] = [];
  for (const party of parties) {
    const event = partyCustomerUpdated(party);
    const answered = await ingest.post('erp', event);
    const duplicate = (answered.body as { duplicate?: boolean } | null)?.duplicate === true;
    // Stop at the first refusal without moving the checkpoint: the next pass starts from here again.
    if (answered.status !== 202) throw new Error(`ingest refused party ${party.id}: ${answered.status}`);
    if (duplicate) duplicates += 1;
    else posted += 1;
    events.push({ partyId: party.id, id: event.id, duplicate });
    if (party.changedAt > newest) newest = party.changedAt;
  }
  // The first pass stores its start even when nothing changed: the next pass must not start later.
  if (newest !== stored) writeCheckpoint(options.checkpointFile, newest);
  return { posted, duplicates, checkpoint: newest, events };
}

async function main(): Promise<void> {
  const env = process.env;
  const secret = ingestSecret(env, 'erp');
  if (!env.TRYTON_URL || !env.TRYTON_DATABASE || !env.TRYTON_USER) {
    throw new Error('TRYTON_URL, TRYTON_DATABASE, TRYTON_USER, TRYTON_PASSWORD(_FILE) are required');
  }
  const options: PartyPollerOptions = {
    parties: new TrytonParties(
      new TrytonClient({
        name: 'tryton-party-poller',
        url: env.TRYTON_URL,
        database: env.TRYTON_DATABASE,
        username: env.TRYTON_USER,
        password: env.TRYTON_PASSWORD,
        passwordFile: env.TRYTON_PASSWORD_FILE,
      }),
    ),
    ingestUrl: env.INGEST_URL ?? 'http://127.0.0.1:3000',
    secret,
    checkpointFile: env.TRYTON_PARTY_CHECKPOINT_FILE ?? '.stack/tryton-party-poller.checkpoint.json',
    since: env.TRYTON_PARTY_POLL_SINCE,
  };
  const intervalMs = Number(env.TRYTON_PARTY_POLL_MS ?? 30_000);
  await runPoller('tryton party', intervalMs, async () => {
    const { posted, duplicates, checkpoint } = await pollOnce(options);
    return { posted, duplicates, checkpoint };
  });
}

runMain(module, main);
