// A small reader of the Prometheus text exposition format (what /metrics serves), for assertions.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`Not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) {
      labels[key] = value.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The metric families a scrape declares (`# TYPE name kind`), with their kind. */
export function metricTypes(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const [, name, kind] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(name, kind);
  return types;
}

export async function scrape(baseUrl: string): Promise<{ text: string; samples: Sample[] }> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (!response.ok) throw new Error(`${baseUrl}/metrics -> ${response.status}`);
  const text = await response.text();
  return { text, samples: parseExposition(text) };
}

/** Sum of the samples of one series name whose labels include `match`. */
export function sum(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  return samples
    .filter(
      (sample) =>
        sample.name === name && Object.entries(match).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((total, sample) => total + sample.value, 0);
}

export function has(samples: Sample[], name: string, match: Record<string, string> = {}): boolean {
  return samples.some(
    (sample) =>
      sample.name === name && Object.entries(match).every(([key, value]) => sample.labels[key] === value),
  );
}

/** Metric names defined in the code (prom-client `name: '...'`): what alerts and dashboards may use. */
export function definedMetrics(root: string): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (entry === 'node_modules') continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.spec.ts')) {
        for (const match of readFileSync(path, 'utf8').matchAll(/name: '([a-z_]+)'/g)) names.add(match[1]);
      }
    }
  };
  walk(join(root, 'libs'));
  walk(join(root, 'services'));
  return names;
}

/** The metric names a PromQL expression reads (histogram series reduced to their family). */
export function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b((?:switchboard|customer_sync)_[a-z_]+)/g)].map((match) =>
    match[1].replace(/_(bucket|sum|count)$/, ''),
  );
}

/** Every PromQL expression of the Grafana dashboard (deploy/grafana/switchboard.json). */
export function dashboardExpressions(root: string): string[] {
  const dashboard = JSON.parse(readFileSync(join(root, 'deploy/grafana/switchboard.json'), 'utf8')) as {
    panels: Array<{ targets?: Array<{ expr: string }> }>;
  };
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
}
