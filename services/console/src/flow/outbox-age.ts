import { THRESHOLDS } from '@switchboard/platform';

/** The gauge every service exposes from its outbox table (libs/platform outbox.metrics.ts). */
export const OUTBOX_OLDEST_METRIC = 'switchboard_outbox_oldest_pending_age_seconds';

/** `<service>=<base url>,...`: the services whose metrics the flow page reads. */
export function parseServiceUrls(spec: string): Map<string, string> {
  const urls = new Map<string, string>();
  for (const entry of spec.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const separator = entry.indexOf('=');
    const service = entry.slice(0, separator).trim();
    const url = entry.slice(separator + 1).trim();
    if (separator < 1 || !/^[a-z][a-z0-9-]*$/.test(service) || !/^https?:\/\/\S+$/.test(url)) {
      throw new Error(`not <service>=<http(s) url>: ${entry}`);
    }
    if (urls.has(service)) throw new Error(`${service} is listed twice`);
    urls.set(service, url.replace(/\/$/, ''));
  }
  return urls;
}

/**
 * The value of one unlabelled-or-labelled gauge in the Prometheus text format, the largest when
 * several series carry it (one service's series differ by labels only); null when absent.
 */
export function gaugeValue(exposition: string, metric: string): number | null {
  let value: number | null = null;
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line.trim());
    if (!match || match[1] !== metric) continue;
    const sample = Number(match[3]);
    if (Number.isFinite(sample)) value = value === null ? sample : Math.max(value, sample);
  }
  return value;
}

export type OutboxState = 'ok' | 'over threshold' | 'unknown';

/** Against the alert's threshold (SwitchboardSyncLatencyHigh fires above it). */
export function outboxState(oldestSeconds: number | null): OutboxState {
  if (oldestSeconds === null) return 'unknown';
  return oldestSeconds > THRESHOLDS.latencySeconds ? 'over threshold' : 'ok';
}
