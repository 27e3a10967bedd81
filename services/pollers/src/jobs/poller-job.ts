/** The watched systems, one job each; also the job's checkpoint row and its metric label. */
export type PollerName = 'tryton-parties' | 'rt-escalations' | 'crm-parties' | 'crm-opportunities';

/** What a pass sees of the world beyond its system: where it starts, and whether it still leads. */
export interface PassContext {
  /** The stored checkpoint (an RFC 3339 stamp), or null before the job's first completed pass. */
  checkpoint: string | null;
  /** False once this replica lost the leadership: the pass stops before its next post. */
  stillLeading(): boolean;
}

export interface PostedEvent {
  /** The changed record in its system (a party id, a ticket number). */
  key: string;
  /** The source event id ingest deduplicates on. */
  id: string;
  duplicate: boolean;
}

export interface PassResult {
  /** Events ingest accepted as new. */
  posted: number;
  /** Events ingest had already (an earlier pass, or a leader that died before its checkpoint). */
  duplicates: number;
  /** The checkpoint to store: the newest change time ingest accepted (the start one when none). */
  checkpoint: string;
  events: PostedEvent[];
}

/** One watched system: a pass reads its changes since the checkpoint and posts them to ingest. */
export interface PollerJob {
  readonly name: PollerName;
  readonly intervalMs: number;
  pass(context: PassContext): Promise<PassResult>;
}
