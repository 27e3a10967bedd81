import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';

import { collectDefaultMetrics, Gauge, register, type Registry } from 'prom-client';

const registered = new WeakSet<Registry>();

/** prom-client's process and Node.js runtime metrics (CPU, memory, event-loop lag, restarts), once per registry. */
export function registerProcessMetrics(registry: Registry = register): void {
  if (registered.has(registry)) return;
  registered.add(registry);
  collectDefaultMetrics({ register: registry });
}

/**
 * When the Kafka cluster CA this pod trusts expires (the latest `notAfter` of the PEM bundle: during
 * a Strimzi renewal it holds the old and the new certificate). Read at scrape time, so a refreshed
 * ConfigMap (kubelet updates mounted ConfigMaps) shows at once. Unreadable: no sample, which the
 * alert on absence catches.
 */
export function registerKafkaCaExpiryMetric(caFile: string, registry: Registry = register): Gauge<'file'> {
  return new Gauge({
    name: 'switchboard_kafka_ca_expiry_timestamp_seconds',
    help: 'Unix time at which the newest Kafka cluster CA certificate in KAFKA_SSL_CA_FILE expires',
    labelNames: ['file'] as const,
    registers: [registry],
    collect() {
      const expiry = caExpirySeconds(caFile);
      this.reset();
      if (expiry !== undefined) this.set({ file: caFile }, expiry);
    },
  });
}

export function caExpirySeconds(caFile: string): number | undefined {
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch {
    return undefined;
  }
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const expiries = blocks.flatMap((block) => {
    try {
      return [Date.parse(new X509Certificate(block).validTo) / 1000];
    } catch {
      return [];
    }
  });
  return expiries.length > 0 ? Math.max(...expiries) : undefined;
}
