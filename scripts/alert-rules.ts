/**
 * The alert rules of the request's monitoring table, in one place. scripts/generate-k8s.ts writes
 * them twice from here: as a PrometheusRule (k8s/base/common/prometheusrule.yaml, for the
 * Prometheus Operator) and as a plain rule file (deploy/prometheus/rules.yml) that
 * `promtool test rules deploy/prometheus/rules.test.yml` unit-tests (test/observability).
 *
 * Routing: every alert carries `team`, the team the table names; Alertmanager routes on it.
 * "Queue depth" names two teams, so that alert exists once per team.
 */

export const TEAMS = {
  integration: 'integration',
  management: 'management',
  dataGovernance: 'data-governance',
} as const;

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { team: string; severity: 'warning' | 'critical' };
  annotations: { summary: string; description: string; runbook_url: string };
}

/** The request's thresholds (MISSION.md, "Monitoring and alerting required"). */
export const THRESHOLDS = {
  failureRatio: 0.05,
  latencySeconds: 15 * 60,
  pendingRecords: 1000,
  conflictRatio: 0.02,
  downstreamErrorRatio: 0.01,
} as const;

const WINDOW = '10m';
const RUNBOOK = 'deploy/OPERATIONS.md#metrics-and-alerts';

function rule(
  alert: string,
  expr: string,
  options: {
    for: string;
    team: string;
    severity?: 'warning' | 'critical';
    summary: string;
    description: string;
  },
): AlertRule {
  return {
    alert,
    expr: expr.replace(/\s+/g, ' ').trim(),
    for: options.for,
    labels: { team: options.team, severity: options.severity ?? 'warning' },
    annotations: {
      summary: options.summary,
      description: options.description,
      runbook_url: RUNBOOK,
    },
  };
}

const queueDepthExpr = `
  sum by (service) (switchboard_outbox_pending_messages) > ${THRESHOLDS.pendingRecords}
  or
  sum by (service, group) (switchboard_consumer_lag_messages) > ${THRESHOLDS.pendingRecords}`;

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
];

export const RULE_GROUP_NAME = 'switchboard.rules';

/** The rule groups, as both a rule file and a PrometheusRule spec hold them. */
export function ruleGroups(): { groups: Array<{ name: string; rules: AlertRule[] }> } {
  return { groups: [{ name: RULE_GROUP_NAME, rules: ALERT_RULES }] };
}
