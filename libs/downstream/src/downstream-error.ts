/**
 * The error classes of the request's error table. The inbox transport decides what to do from the
 * class alone: retry with backoff (transient), dead-letter (validation), wait for the limit to
 * reset (rate_limited), or hold the connector until its credentials change (authentication).
 */
export type FailureClass = 'transient' | 'validation' | 'rate_limited' | 'authentication';

export class DownstreamError extends Error {
  constructor(
    readonly failureClass: FailureClass,
    readonly connector: string,
    message: string,
    readonly details: {
      status?: number;
      /** rate_limited: how long the downstream asked us to wait. */
      retryAfterMs?: number;
      /** authentication: true once the connector's credentials differ from those that failed. */
      credentialsChanged?: () => boolean;
      /** transient: the connector's circuit is open, so no call was made (every key fails now). */
      circuitOpen?: boolean;
    } = {},
  ) {
    super(message);
    this.name = 'DownstreamError';
  }
}
