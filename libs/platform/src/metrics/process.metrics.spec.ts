import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Registry } from 'prom-client';

import { caExpirySeconds, registerKafkaCaExpiryMetric, registerProcessMetrics } from './process.metrics';

/** A self-signed CA certificate valid for `days` (openssl, as Strimzi's CA is). */
function certificate(dir: string, name: string, days: number): string {
  const file = join(dir, `${name}.crt`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      file,
      '-days',
      String(days),
      '-subj',
      `/CN=${name}`,
    ],
    { stdio: 'ignore' },
  );
  return readFileSync(file, 'utf8');
}

describe('process metrics', () => {
  it('serves prom-client default process metrics once, however often a module registers them', async () => {
    const registry = new Registry();
    registerProcessMetrics(registry);
    registerProcessMetrics(registry);
    const text = await registry.metrics();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('process_start_time_seconds');
    expect(text).toContain('nodejs_eventloop_lag_p99_seconds');
  });
});

describe('Kafka cluster CA expiry', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ca-expiry-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports the newest notAfter of the bundle, re-read at every scrape', async () => {
    const old = certificate(dir, 'old', 10);
    const renewed = certificate(dir, 'renewed', 400);
    const caFile = join(dir, 'ca.crt');
    writeFileSync(caFile, old);
    const registry = new Registry();
    registerKafkaCaExpiryMetric(caFile, registry);
    const value = async () =>
      Number(
        /^switchboard_kafka_ca_expiry_timestamp_seconds\{file="[^"]+"\} (\S+)$/m.exec(
          await registry.metrics(),
        )?.[1],
      );
    const day = 86_400;
    expect((await value()) - Date.now() / 1000).toBeGreaterThan(9 * day);
    expect((await value()) - Date.now() / 1000).toBeLessThan(11 * day);
    // The ConfigMap now carries both certificates (a Strimzi renewal): the renewed one counts.
    writeFileSync(caFile, `${old}\n${renewed}`);
    expect((await value()) - Date.now() / 1000).toBeGreaterThan(399 * day);
  });

  it('reports nothing for a missing or unreadable file (the absence alert fires)', async () => {
    expect(caExpirySeconds(join(dir, 'missing.crt'))).toBeUndefined();
    writeFileSync(join(dir, 'junk.crt'), 'not a certificate');
    expect(caExpirySeconds(join(dir, 'junk.crt'))).toBeUndefined();
    const registry = new Registry();
    registerKafkaCaExpiryMetric(join(dir, 'missing.crt'), registry);
    expect(await registry.metrics()).not.toMatch(/^switchboard_kafka_ca_expiry_timestamp_seconds\{/m);
  });
});
