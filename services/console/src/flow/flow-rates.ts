/** One reading of a consumer group: how far it has committed (summed over partitions), and when. */
export interface GroupSample {
  at: number;
  committed: number;
  deadLetters: number;
}

export interface GroupRates {
  /** Events committed per minute since the previous reading; null without one (or too old). */
  perMinute: number | null;
  /** Dead letters per event handled since the previous reading; null when nothing was handled. */
  failureRatio: number | null;
}

/** Readings further apart than this say nothing about the current rate. */
export const MAX_SAMPLE_GAP_MS = 15 * 60_000;

/** Throughput and failure ratio between two readings of one group. */
export function ratesBetween(previous: GroupSample | undefined, current: GroupSample): GroupRates {
  if (!previous || current.at <= previous.at || current.at - previous.at > MAX_SAMPLE_GAP_MS) {
    return { perMinute: null, failureRatio: null };
  }
  const handled = Math.max(0, current.committed - previous.committed);
  const failed = Math.max(0, current.deadLetters - previous.deadLetters);
  return {
    perMinute: (handled * 60_000) / (current.at - previous.at),
    failureRatio: handled > 0 ? failed / handled : null,
  };
}
