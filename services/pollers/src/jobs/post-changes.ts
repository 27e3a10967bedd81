import { PollerError, PollerErrorCode } from '../pollers.errors';
import type { PassContext, PassResult } from './poller-job';

/** The part of ingest a poller uses: a signed POST of one event as its source (IngestClient). */
export interface IngestPort {
  post(
    source: string,
    event: { id: string; type: string; data: unknown },
  ): Promise<{ status: number; body: unknown }>;
}

/** One change read from a watched system, as the event to post. */
export interface Change {
  key: string;
  /** When the system changed it, as a stamp (`toStamp`): stamps compare as strings. */
  changedAt: string;
  event: { id: string; type: string; data: unknown };
}

/** An RFC 3339 time as the checkpoints hold it (microseconds, UTC), so they compare as strings. */
export function toStamp(iso: string): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) throw new Error(`not an RFC 3339 time: ${iso}`);
  return new Date(at).toISOString().replace('Z', '000Z');
}

/** Where a pass reads from: `overlapSeconds` before its checkpoint (a late commit with an older time). */
export function readFrom(checkpoint: string, overlapSeconds: number): string {
  return new Date(Date.parse(checkpoint) - overlapSeconds * 1000).toISOString();
}

/**
 * Posts the changes oldest first and returns the checkpoint they let the job move to: the newest
 * change time ingest accepted. The first refusal (or a lost leadership) ends the pass with an error
 * and no checkpoint, so the next pass, on this replica or another, reads the same changes again;
 * what ingest accepted already comes back as a duplicate (same source event id), never as a second
 * event. So the checkpoint never covers a change ingest has not accepted.
 */
export async function postChanges(
  ingest: IngestPort,
  source: string,
  changes: Change[],
  checkpoint: string,
  context: PassContext,
): Promise<PassResult> {
  const ordered = [...changes].sort((a, b) =>
    a.changedAt < b.changedAt ? -1 : a.changedAt > b.changedAt ? 1 : 0,
  );
  const result: PassResult = { posted: 0, duplicates: 0, checkpoint, events: [] };
  for (const change of ordered) {
    if (!context.stillLeading()) {
      throw new PollerError(PollerErrorCode.LeadershipLost, 'leadership lost during the pass');
    }
    const answered = await ingest.post(source, change.event);
    if (answered.status !== 202) {
      throw new PollerError(
        PollerErrorCode.IngestRefused,
        `ingest refused ${change.event.id} (${change.key}): ${answered.status}`,
      );
    }
    const duplicate = (answered.body as { duplicate?: unknown } | null)?.duplicate === true;
    if (duplicate) result.duplicates += 1;
    else result.posted += 1;
    result.events.push({ key: change.key, id: change.event.id, duplicate });
    if (change.changedAt > result.checkpoint) result.checkpoint = change.changedAt;
  }
  return result;
}
