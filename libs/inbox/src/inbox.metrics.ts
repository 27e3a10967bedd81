import { Counter, Gauge, Histogram } from 'prom-client';

export const inboxMetrics = {
  events: new Counter({
    name: 'switchboard_consumer_events_total',
    help: 'Events handled by a consumer group, by event type and outcome (applied, duplicate, dead_lettered)',
    labelNames: ['group', 'type', 'outcome'] as const,
  }),
  deadLetters: new Counter({
    name: 'switchboard_consumer_dead_letters_total',
    help: 'Events written to the dead-letter topic, by event type and error class (validation, rejected, transient, unexpected)',
    labelNames: ['group', 'type', 'error_class'] as const,
  }),
  retries: new Counter({
    name: 'switchboard_consumer_retries_total',
    help: 'Events parked for a retry, by failure class (transient, rate_limited, authentication)',
    labelNames: ['group', 'class'] as const,
  }),
  held: new Gauge({
    name: 'switchboard_consumer_held_partitions',
    help: 'Partitions currently waiting on a rate limit, fixed credentials or a closed circuit',
    labelNames: ['group', 'reason'] as const,
  }),
  parked: new Gauge({
    name: 'switchboard_consumer_parked_events',
    help: 'Events parked in inbox_parked: keys waiting on a retry, with their later events (not in the Kafka lag)',
    labelNames: ['group'] as const,
  }),
  parkedOldest: new Gauge({
    name: 'switchboard_consumer_parked_oldest_seconds',
    help: 'Age of the oldest event parked in inbox_parked (0 when none waits)',
    labelNames: ['group'] as const,
  }),
  swept: new Counter({
    name: 'switchboard_consumer_inbox_rows_swept_total',
    help: 'Inbox rows deleted past INBOX_RETENTION_HOURS',
    labelNames: ['group'] as const,
  }),
  duration: new Histogram({
    name: 'switchboard_consumer_handler_duration_seconds',
    help: 'Time spent in the handler of one event',
    labelNames: ['group', 'type'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  }),
  latency: new Histogram({
    name: 'switchboard_event_end_to_end_latency_seconds',
    help: 'From the event time to its effect being applied by a consumer',
    labelNames: ['group', 'type'] as const,
    // Buckets above 900 s (the alert threshold) so a p95 beyond it is measured, not clamped to 900.
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 900, 1800, 3600],
  }),
};
