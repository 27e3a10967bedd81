/**
 * The request's monitoring thresholds (MISSION.md, "Monitoring and alerting required"): the alert
 * rules (scripts/alert-rules.ts) fire on them and the console's flow health shows them.
 */
export const THRESHOLDS = {
  failureRatio: 0.05,
  latencySeconds: 15 * 60,
  pendingRecords: 1000,
  conflictRatio: 0.02,
  downstreamErrorRatio: 0.01,
  /** Ingest: 5xx share of POST /v1/events, and its p99 latency. */
  ingestErrorRatio: 0.01,
  ingestLatencySeconds: 1,
  /** Days before the Kafka cluster CA a pod trusts expires (Strimzi renews 30 days ahead by default). */
  caExpiryDays: 21,
} as const;
