import { Counter } from 'prom-client';

/**
 * customer_synced events by what the address book did with them: `written` (the card changed and
 * was written or removed), `unchanged` (new version, same card: no call), `stale` (a version at or
 * below the one applied), `skipped_other_target` (addressed to another system). Counted when
 * handled; a chunk rolled back and retried counts its events again.
 */
export const addressBookEvents = new Counter({
  name: 'switchboard_address_book_events_total',
  help: 'customer_synced events handled by address-book, by outcome (written, unchanged, stale, skipped_other_target)',
  labelNames: ['outcome'] as const,
});
