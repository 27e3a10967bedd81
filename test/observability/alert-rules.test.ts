// The request's alert table as Prometheus rules: generated from scripts/alert-rules.ts into the
// PrometheusRule and deploy/prometheus/rules.yml, and unit-tested with promtool: every alert fires
// above its threshold and stays silent below it (deploy/prometheus/rules.test.yml).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { parse } from 'yaml';

import { ALERT_RULES, TEAMS, ruleGroups } from '../../scripts/alert-rules';
import { renderK8sFiles, renderRulesFile } from '../../scripts/generate-k8s';
import { ROOT } from '../support/cluster';
import { definedMetrics, metricsIn } from '../support/metrics';

jest.setTimeout(60_000); // promtool on a busy machine

const run = promisify(execFile);
const RULES = join(ROOT, 'deploy/prometheus/rules.yml');
const RULE_TESTS = join(ROOT, 'deploy/prometheus/rules.test.yml');

interface PromtoolTest {
  name: string;
  alert_rule_test?: Array<{ alertname: string; exp_alerts?: Array<{ exp_labels: Record<string, string> }> }>;
}

function promtool(...args: string[]) {
  return run('promtool', args, { cwd: ROOT }).catch((error: NodeJS.ErrnoException & { stdout?: string }) => {
    if (error.code === 'ENOENT')
      throw new Error(
        'promtool is missing: apt-get install --no-install-recommends prometheus (npm test does)',
      );
    throw new Error(`promtool ${args.join(' ')} failed:\n${error.stdout ?? ''}${String(error)}`);
  });
}

describe('alert rules', () => {
  it('are committed as generated, in the PrometheusRule and the rule file alike', () => {
    expect(readFileSync(RULES, 'utf8')).toBe(renderRulesFile());
    const manifest = parse(renderK8sFiles()['common/prometheusrule.yaml']) as { kind: string; spec: unknown };
    expect(manifest.kind).toBe('PrometheusRule');
    expect(manifest.spec).toEqual(ruleGroups());
    expect(readFileSync(join(ROOT, 'k8s/base/common/prometheusrule.yaml'), 'utf8')).toBe(
      renderK8sFiles()['common/prometheusrule.yaml'],
    );
  });

  it('route each alert of the request table to the team it names', () => {
    const teams = (alert: string) =>
      ALERT_RULES.filter((rule) => rule.alert === alert)
        .map((rule) => rule.labels.team)
        .sort();
    expect(teams('SwitchboardSyncFailureRateHigh')).toEqual([TEAMS.integration]);
    expect(teams('SwitchboardSyncLatencyHigh')).toEqual([TEAMS.integration]);
    expect(teams('SwitchboardQueueDepthHigh')).toEqual([TEAMS.integration, TEAMS.management].sort());
    expect(teams('SwitchboardConflictRateHigh')).toEqual([TEAMS.dataGovernance]);
    expect(teams('SwitchboardDownstreamErrorRateHigh')).toEqual([TEAMS.integration]);
    expect(teams('SwitchboardConnectorAuthenticationFailed')).toEqual([TEAMS.integration]);
  });

  it('use only metrics the services define', () => {
    const defined = definedMetrics(ROOT);
    const used = new Set(ALERT_RULES.flatMap((rule) => metricsIn(rule.expr)));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((name) => !defined.has(name))).toEqual([]);
  });

  it('have a promtool test above and below the threshold for every alert', () => {
    const { tests } = parse(readFileSync(RULE_TESTS, 'utf8')) as { tests: PromtoolTest[] };
    const cases = tests.flatMap((test) => test.alert_rule_test ?? []);
    for (const alert of new Set(ALERT_RULES.map((rule) => rule.alert))) {
      const ofAlert = cases.filter((entry) => entry.alertname === alert);
      expect({ alert, fires: ofAlert.some((entry) => (entry.exp_alerts ?? []).length > 0) }).toEqual({
        alert,
        fires: true,
      });
      expect({ alert, silent: ofAlert.some((entry) => (entry.exp_alerts ?? []).length === 0) }).toEqual({
        alert,
        silent: true,
      });
    }
  });

  it('pass promtool check rules and promtool test rules', async () => {
    await expect(promtool('check', 'rules', RULES)).resolves.toMatchObject({
      stdout: expect.stringContaining('SUCCESS') as unknown,
    });
    await expect(promtool('test', 'rules', RULE_TESTS)).resolves.toMatchObject({
      stdout: expect.stringContaining('SUCCESS') as unknown,
    });
  });
});
