/** The counts a sync report or a load carries, in the order a reader looks for them. */
const COUNT_ORDER = ['created', 'updated', 'unchanged', 'conflicts', 'failed', 'refused'] as const;

/** `created 20, updated 3, conflicts 1`: the non-zero counts of the usual kinds, else `nothing`. */
export function countsLine(counts: Record<string, number>): string {
  const parts = COUNT_ORDER.filter((name) => (counts[name] ?? 0) > 0).map(
    (name) => `${name} ${counts[name]}`,
  );
  return parts.length > 0 ? parts.join(', ') : 'nothing';
}

/** `42.0 %` of a 0..1 share. */
export function percentDone(progress: number): string {
  return `${(Math.min(1, Math.max(0, progress)) * 100).toFixed(1)} %`;
}

/** How many loads and reports the flow page lists: the latest; the full lists are customer-sync's API. */
export const LATEST_ON_PAGE = 10;
