/**
 * The alert rules of the request's monitoring table, in one place. scripts/generate-k8s.ts writes
 * them twice from here: as a PrometheusRule (k8s/base/common/prometheusrule.yaml, for the
 * Prometheus Operator) and as a plain rule file (deploy/prometheus/rules.yml) that
 * `promtool test rules deploy/prometheus/rules.test.yml` unit-tests (test/observability).
 *
 * Routing: every alert carries `team`, the team the table names; Alertmanager routes on it.
 * "Queue depth" names two teams, so that alert exists once per team.
 */

import { THRESHOLDS } from '@switchboard/platform';

import { DEPLOYED_SERVICES } from './deployed-services';

export const TEAMS = {
  integration: 'integration',
  management: 'management',
  dataGovernance: 'data-governance',
} as const;

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { team: string; severity: 'warning' | 'critical'; service?: string };
  annotations: { summary: string; description: string; runbook_url: string };
}

/** The request's thresholds, shared with the console's flow health (libs/platform). */
export { THRESHOLDS };

/** Prometheus' `job` of a service's targets is its Kubernetes Service name (the ServiceMonitor's default). */
export const SERVICE_JOBS = DEPLOYED_SERVICES.map((definition) => definition.name);

const WINDOW = '10m';
const RUNBOOK = 'deploy/OPERATIONS.md#metrics-and-alerts';

function rule(
  alert: string,
  expr: string,
  options: {
    for: string;
    team: string;
    severity?: 'warning' | 'critical';
    service?: string;
    summary: string;
    description: string;
  },
): AlertRule {
  return {
    alert,
    expr: expr.replace(/\s+/g, ' ').trim(),
    for: options.for,
    labels: {
      team: options.team,
      severity: options.severity ?? 'warning',
      ...(options.service ? { service: options.service } : {}),
    },
    annotations: {
      summary: options.summary,
      description: options.description,
      runbook_url: RUNBOOK,
    },
  };
}

// Every replica reads the whole outbox table and the whole group's lag from the broker: the series of
// N replicas are N copies of one number. `max` across replicas (after summing one replica's topics)
// is the backlog; `sum` would fire at 1/N of the threshold.
const queueDepthExpr = `
  max by (service) (switchboard_outbox_pending_messages) > ${THRESHOLDS.pendingRecords}
  or
  max by (service, group) (sum without (topic) (switchboard_consumer_lag_messages)) > ${THRESHOLDS.pendingRecords}`;

const INGEST_EVENTS = 'service="ingest", route="/v1/events", method="POST"';

/** No replica of a service answers its scrape, or none is scraped at all (then no lag is reported either). */
const serviceDown = (service: string): AlertRule =>
  rule('SwitchboardServiceDown', `absent(up{job="${service}"} == 1)`, {
    for: '5m',
    team: TEAMS.integration,
    severity: 'critical',
    service,
    summary: `No replica of ${service} is up`,
    description: `Prometheus scrapes no healthy ${service} pod: the service is down altogether (its consumer lag and outbox backlog are not reported either). kubectl get pods -l app.kubernetes.io/name=${service}`,
  });

const queueDepth = (team: string): AlertRule =>
  rule('SwitchboardQueueDepthHigh', queueDepthExpr, {
    for: '5m',
    team,
    summary: 'More than 1000 records pending in {{ $labels.service }}',
    description:
      '{{ $value }} records pending in {{ $labels.service }}: {{ if $labels.group }}consumer lag of group {{ $labels.group }}{{ else }}outbox rows not yet published{{ end }} (threshold 1000).',
  });

export const ALERT_RULES: AlertRule[] = [
  rule(
    'SwitchboardSyncFailureRateHigh',
    `
    sum by (service, group) (rate(switchboard_consumer_events_total{outcome="dead_lettered"}[${WINDOW}]))
    /
    sum by (service, group) (rate(switchboard_consumer_events_total{outcome=~"applied|dead_lettered"}[${WINDOW}]))
    > ${THRESHOLDS.failureRatio}`,
    {
      for: '5m',
      team: TEAMS.integration,
      summary: 'More than 5 % of the records of {{ $labels.group }} fail',
      description:
        '{{ $value | humanizePercentage }} of the events handled by {{ $labels.group }} were dead-lettered over the last 10 minutes (threshold 5 %).',
    },
  ),
  rule(
    'SwitchboardSyncLatencyHigh',
    `
    histogram_quantile(0.95, sum by (service, group, le) (rate(switchboard_event_end_to_end_latency_seconds_bucket[${WINDOW}])))
    > ${THRESHOLDS.latencySeconds}
    or
    max by (service) (switchboard_outbox_oldest_pending_age_seconds) > ${THRESHOLDS.latencySeconds}`,
    {
      for: '5m',
      team: TEAMS.integration,
      summary: 'Real-time sync in {{ $labels.service }} is more than 15 minutes late',
      description:
        '{{ if $labels.group }}p95 time from event to applied effect in {{ $labels.group }}{{ else }}age of the oldest unpublished outbox row{{ end }}: {{ $value | humanizeDuration }} (threshold 15 min).',
    },
  ),
  queueDepth(TEAMS.integration),
  queueDepth(TEAMS.management),
  rule(
    'SwitchboardConflictRateHigh',
    `
    sum by (service) (rate(customer_sync_outcomes_total{outcome="conflicts"}[${WINDOW}]))
    /
    sum by (service) (rate(customer_sync_outcomes_total{outcome=~"created|updated|unchanged|conflicts"}[${WINDOW}]))
    > ${THRESHOLDS.conflictRatio}`,
    {
      for: '15m',
      team: TEAMS.dataGovernance,
      summary: 'More than 2 % of synced customer records conflict',
      description:
        '{{ $value | humanizePercentage }} of the customer records synced over the last 10 minutes raised a conflict (threshold 2 %); see the review queue.',
    },
  ),
  rule(
    'SwitchboardDownstreamErrorRateHigh',
    `
    sum by (service, connector) (rate(switchboard_connector_requests_total{outcome!="2xx"}[${WINDOW}]))
    /
    sum by (service, connector) (rate(switchboard_connector_requests_total[${WINDOW}]))
    > ${THRESHOLDS.downstreamErrorRatio}`,
    {
      for: '5m',
      team: TEAMS.integration,
      summary: 'More than 1 % of the calls to {{ $labels.connector }} fail',
      description:
        '{{ $value | humanizePercentage }} of the calls from {{ $labels.service }} to {{ $labels.connector }} did not succeed over the last 10 minutes (threshold 1 %).',
    },
  ),
  // The error table: an authentication failure alerts at once (the connector holds until fixed).
  rule(
    'SwitchboardConnectorAuthenticationFailed',
    'max by (service, connector) (switchboard_connector_authentication_failed) == 1',
    {
      for: '0m',
      team: TEAMS.integration,
      severity: 'critical',
      summary: '{{ $labels.connector }} refuses the credentials of {{ $labels.service }}',
      description:
        'The downstream answered 401/403; {{ $labels.service }} holds its events until the credentials are fixed (rotate the secret file or send SIGHUP).',
    },
  ),
  // A message too large for its topic is set aside so the outbox keeps flowing; someone must decide.
  rule('SwitchboardOutboxMessageSetAside', 'max by (service) (switchboard_outbox_set_aside_messages) > 0', {
    for: '0m',
    team: TEAMS.integration,
    summary: '{{ $labels.service }} set aside outbox messages too large for their topic',
    description:
      '{{ $value }} outbox messages of {{ $labels.service }} were refused by Kafka as larger than their topic takes and wait in outbox_set_aside (raise the topic max.message.bytes and re-insert them, or discard them).',
  }),
  // The retry budget dead-letters a failing key within minutes (8 tries, backoff up to 60 s): an
  // event parked for 15 min is kept by something else (a connector held on its retry, retries failing).
  rule(
    'SwitchboardConsumerParkedTooLong',
    'max by (service, group) (switchboard_consumer_parked_oldest_seconds) > 900',
    {
      for: '5m',
      team: TEAMS.integration,
      summary: '{{ $labels.group }} has events parked for a retry for over 15 min',
      description:
        'The oldest event {{ $labels.group }} parked in inbox_parked waits for {{ $value | humanizeDuration }}; its key applies nothing meanwhile (see the consumer logs and switchboard_consumer_retries_total).',
    },
  ),
  // Its messages wait (the other topics flow on) until the topic is provisioned again.
  rule('SwitchboardOutboxTopicMissing', 'max by (service, topic) (switchboard_outbox_topic_missing) == 1', {
    for: '0m',
    team: TEAMS.integration,
    severity: 'critical',
    summary: 'Kafka does not know topic {{ $labels.topic }} that {{ $labels.service }} publishes to',
    description:
      'The outbox of {{ $labels.service }} holds messages for {{ $labels.topic }}, which Kafka does not know; they wait, in order, until the topic is provisioned (npm run provision, or its KafkaTopic).',
  }),
  ...SERVICE_JOBS.map(serviceDown),
  rule(
    'SwitchboardIngestErrorRateHigh',
    `
    sum by (service) (rate(switchboard_http_request_duration_seconds_count{${INGEST_EVENTS}, status_code=~"5.."}[${WINDOW}]))
    /
    sum by (service) (rate(switchboard_http_request_duration_seconds_count{${INGEST_EVENTS}}[${WINDOW}]))
    > ${THRESHOLDS.ingestErrorRatio}`,
    {
      for: '5m',
      team: TEAMS.integration,
      severity: 'critical',
      summary: 'More than 1 % of the events posted to ingest fail with 5xx',
      description:
        '{{ $value | humanizePercentage }} of POST /v1/events answered 5xx over the last 10 minutes (threshold 1 %); source systems retry, but nothing new is accepted while it lasts.',
    },
  ),
  rule(
    'SwitchboardIngestLatencyHigh',
    `
    histogram_quantile(0.99, sum by (service, le) (rate(switchboard_http_request_duration_seconds_bucket{${INGEST_EVENTS}}[${WINDOW}])))
    > ${THRESHOLDS.ingestLatencySeconds}`,
    {
      for: '10m',
      team: TEAMS.integration,
      summary: 'ingest answers POST /v1/events slowly',
      description: 'p99 of POST /v1/events is {{ $value | humanizeDuration }} (threshold 1 s).',
    },
  ),
  rule(
    'SwitchboardIngestTrafficStopped',
    `
    sum by (service) (rate(switchboard_http_request_duration_seconds_count{${INGEST_EVENTS}}[30m])) == 0
    and
    sum by (service) (rate(switchboard_http_request_duration_seconds_count{${INGEST_EVENTS}}[30m] offset 1d)) > 0`,
    {
      for: '15m',
      team: TEAMS.integration,
      summary: 'No source system has posted an event to ingest for 30 minutes',
      description:
        'ingest received no POST /v1/events for 30 minutes although it did at this time yesterday: a source system, the ingress or DNS may be broken.',
    },
  ),
  rule(
    'SwitchboardProcessRestarting',
    'max by (service, pod) (changes(process_start_time_seconds[30m])) > 2',
    {
      for: '0m',
      team: TEAMS.integration,
      summary: '{{ $labels.pod }} restarted {{ $value }} times in 30 minutes',
      description:
        'The process of {{ $labels.pod }} ({{ $labels.service }}) keeps restarting: see its previous log (kubectl logs --previous) and its memory limit.',
    },
  ),
  rule('SwitchboardEventLoopLagHigh', 'max by (service, pod) (nodejs_eventloop_lag_p99_seconds) > 0.5', {
    for: '10m',
    team: TEAMS.integration,
    summary: 'The event loop of {{ $labels.pod }} lags',
    description:
      'p99 event-loop lag of {{ $labels.pod }} ({{ $labels.service }}) is {{ $value | humanizeDuration }}: the pod is CPU-starved (see its CPU limit) and probes may fail.',
  }),
  rule(
    'SwitchboardKafkaCaExpiresSoon',
    `min by (service) (switchboard_kafka_ca_expiry_timestamp_seconds - time()) < ${THRESHOLDS.caExpiryDays} * 86400`,
    {
      for: '1h',
      team: TEAMS.integration,
      severity: 'critical',
      summary:
        'The Kafka cluster CA trusted by {{ $labels.service }} expires in {{ $value | humanizeDuration }}',
      description:
        'Copy the renewed CA into the kafka-cluster-ca ConfigMap (deploy/OPERATIONS.md, "Rotating credentials"); after the old CA expires every service loses its TLS connection to Kafka.',
    },
  ),
];

export const RULE_GROUP_NAME = 'switchboard.rules';

/** The rule groups, as both a rule file and a PrometheusRule spec hold them. */
export function ruleGroups(): { groups: Array<{ name: string; rules: AlertRule[] }> } {
  return { groups: [{ name: RULE_GROUP_NAME, rules: ALERT_RULES }] };
}
