import type { ReviewItem } from '../customer-sync/customer-sync.types';

export interface ReviewFilter {
  kind?: string;
  field?: string;
  /** A system among the item's own and its candidates'. */
  system?: string;
  /** Open for at least this many hours. */
  olderThanHours?: number;
}

/** The queue as the steward narrowed it (customer-sync filters by status and kind only). */
export function filterReviewItems(items: ReviewItem[], filter: ReviewFilter, now = Date.now()): ReviewItem[] {
  return items.filter((item) => {
    if (filter.kind && item.kind !== filter.kind) return false;
    if (filter.field && item.field !== filter.field) return false;
    if (filter.system) {
      const systems = [item.system, ...item.candidates.map((candidate) => candidate.system)];
      if (!systems.includes(filter.system)) return false;
    }
    if (filter.olderThanHours !== undefined) {
      if (now - Date.parse(item.createdAt) < filter.olderThanHours * 3_600_000) return false;
    }
    return true;
  });
}

/** "3 h", "2 d": how long an item has waited. */
export function age(since: string, now = Date.now()): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(since)) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h`;
  return `${Math.floor(minutes / 1440)} d`;
}
