// deploy/grafana/switchboard.json: valid JSON with the panels the issue lists (flow rate, latency,
// backlog, lag, failures, conflicts, per service), every query reading metrics the code defines.
// test/observability/metrics.test.ts checks the same metrics against a live scrape.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ALERT_RULES } from '../../scripts/alert-rules';
import { ROOT } from '../support/cluster';
import { dashboardExpressions as expressionsOf, definedMetrics, metricsIn } from '../support/metrics';

interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string; refId: string }>;
  datasource?: { uid: string };
}

const DASHBOARD = join(ROOT, 'deploy/grafana/switchboard.json');
const dashboardExpressions = () => expressionsOf(ROOT);

describe('Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    uid: string;
    panels: Panel[];
    templating: { list: Array<{ name: string }> };
  };
  const graphs = dashboard.panels.filter((panel) => panel.type !== 'row');

  it('has the rows the issue asks for, each with panels', () => {
    const rows = dashboard.panels.filter((panel) => panel.type === 'row').map((panel) => panel.title);
    expect(rows).toEqual([
      'Flow rate',
      'Latency',
      'Backlog and lag',
      'Failures',
      'Downstream APIs',
      'Conflicts (customer-sync)',
    ]);
    expect(graphs.length).toBeGreaterThanOrEqual(rows.length * 2);
    expect(dashboard.uid).toBe('switchboard-overview');
  });

  it('filters by service and reads from the chosen Prometheus', () => {
    expect(dashboard.templating.list.map((variable) => variable.name)).toEqual(['datasource', 'service']);
    for (const panel of graphs) {
      expect({ title: panel.title, uid: panel.datasource?.uid }).toEqual({
        title: panel.title,
        uid: '${datasource}',
      });
      expect(panel.targets?.length).toBeGreaterThan(0);
    }
    // Every fan-out metric is shown per service; customer-sync's own ones are its alone.
    const unfiltered = dashboardExpressions().filter(
      (expr) =>
        /switchboard_(consumer|outbox|connector|event)_/.test(expr) && !expr.includes('service=~"$service"'),
    );
    expect(unfiltered).toEqual([]);
  });

  it('queries only metrics the services define, and every metric of the monitoring table', () => {
    const defined = definedMetrics(ROOT);
    const used = new Set(dashboardExpressions().flatMap(metricsIn));
    expect([...used].filter((name) => !defined.has(name))).toEqual([]);
    for (const name of [
      'switchboard_consumer_events_total',
      'switchboard_event_end_to_end_latency_seconds',
      'switchboard_outbox_pending_messages',
      'switchboard_outbox_oldest_pending_age_seconds',
      'switchboard_consumer_lag_messages',
      'switchboard_consumer_dead_letters_total',
      'customer_sync_outcomes_total',
      'switchboard_customer_sync_review_queue_items',
      'switchboard_connector_requests_total',
    ]) {
      expect({ name, shown: used.has(name) }).toEqual({ name, shown: true });
    }
  });

  it('never adds up the backlog gauges across replicas (each replica reports the whole backlog)', () => {
    // Summing over pods multiplies the backlog by the replica count; sum without (topic) inside one
    // replica's series, then max across replicas, is the backlog (scripts/alert-rules.ts).
    const perReplicaTotals =
      /sum\s+by\s*\([^)]*\)\s*\(\s*(switchboard_outbox_pending_messages|switchboard_consumer_lag_messages|switchboard_outbox_oldest_pending_age_seconds)\b/;
    const expressions = [...dashboardExpressions(), ...ALERT_RULES.map((rule) => rule.expr)];
    expect(
      expressions.filter((expr) => /switchboard_(outbox_pending|consumer_lag)/.test(expr)).length,
    ).toBeGreaterThanOrEqual(3);
    expect(expressions.filter((expr) => perReplicaTotals.test(expr))).toEqual([]);
  });
});
