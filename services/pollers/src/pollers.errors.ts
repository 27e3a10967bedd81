/** Why a pass failed; the label of pollers' error counter, and the word in its log line. */
export enum PollerErrorCode {
  /** ingest answered something else than 202: the pass stops, its checkpoint stays. */
  IngestRefused = 'ingest_refused',
  /** Another replica may lead now: this one stops posting and writes no checkpoint. */
  LeadershipLost = 'leadership_lost',
  /** The watched system (Tryton, RT) failed or answered what the poller cannot read. */
  SourceFailed = 'source_failed',
  /** The checkpoint could not be read or written (the leader's database session). */
  CheckpointFailed = 'checkpoint_failed',
}

/** The pollers' one error type. */
export class PollerError extends Error {
  constructor(
    readonly code: PollerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PollerError';
  }
}

/** The code of any failure of a pass: a PollerError's own, else the watched system's. */
export function errorCodeOf(error: unknown): PollerErrorCode {
  return error instanceof PollerError ? error.code : PollerErrorCode.SourceFailed;
}
