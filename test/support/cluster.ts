import { join } from 'node:path';

import { topicOf } from '@switchboard/contracts';
import { consumerGroupOf } from '@switchboard/platform';
import {
  ALL_SERVICE_NAMES,
  IngestClient,
  LocalCluster,
  SERVICE_NAMES,
  loadLocalEnv,
  type FanoutServiceName,
} from '@switchboard/testing';

import { ALL_SERVICES } from '../../scripts/provision-all';
import { startGroupAtEnd } from './kafka';

import { databaseUrl, kafkaBrokers, uniqueName } from './stack';

export const ROOT = join(__dirname, '..', '..');

/** The environment the services run with in tests: the test database, the local broker, dev secrets. */
export function testEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...loadLocalEnv(ROOT),
    DATABASE_URL: databaseUrl(),
    KAFKA_BROKERS: kafkaBrokers().join(','),
    // Overridable so two test runs on one broker (say, two developers' branches) do not share groups.
    KAFKA_GROUP_PREFIX: process.env.TEST_GROUP_PREFIX ?? 'switchboard-test',
    LOG_LEVEL: 'info',
    OUTBOX_POLL_INTERVAL_MS: '200',
    // Both contract validators on every event, failing on a disagreement (libs/contracts).
    CONTRACTS_CROSS_CHECK: 'true',
    ...extra,
  };
}

/**
 * The five services (six with customer-sync) on test ports, logging to .stack/test-logs/<suite>/, with consumer groups of
 * their own that start at the end of their topics: a suite sees only the events it publishes,
 * whatever earlier suites (or benchmarks) left on the shared broker.
 */
export function testCluster(
  suite: string,
  extra: NodeJS.ProcessEnv = {},
  options: { withCustomerSync?: boolean; withAddressBook?: boolean } = {},
): LocalCluster {
  const groupPrefix = extra.KAFKA_GROUP_PREFIX ?? uniqueName(`test-${suite}`);
  const withCustomerSync = options.withCustomerSync ?? false;
  // customer-sync cannot start without its ownership rules; the shipped file unless the suite says.
  const ownership = withCustomerSync
    ? { CUSTOMER_SYNC_OWNERSHIP_FILE: join(ROOT, 'deploy/ownership.yaml') }
    : {};
  return new LocalCluster({
    root: ROOT,
    env: testEnv({ ...ownership, ...extra, KAFKA_GROUP_PREFIX: groupPrefix }),
    basePort: Number(process.env.TEST_BASE_PORT ?? 4100),
    withCustomerSync,
    withAddressBook: options.withAddressBook,
    logs: { dir: join(ROOT, '.stack/test-logs', suite) },
    afterProvision: () => startGroupsAtEnd(groupPrefix, withCustomerSync ? ALL_SERVICE_NAMES : SERVICE_NAMES),
  });
}

/**
 * Every consumer group of these services (under `groupPrefix`) starts at the end of every topic
 * it consumes: a suite sees only the events it publishes, not other suites' backlog (erp-orders,
 * say, would otherwise apply every customer_synced the customer-sync suites left on the broker).
 */
export async function startGroupsAtEnd(groupPrefix: string, names: readonly string[]): Promise<void> {
  for (const definition of ALL_SERVICES.filter((service) => names.includes(service.name))) {
    for (const type of definition.consumes) {
      await startGroupAtEnd(consumerGroupOf(definition, groupPrefix), topicOf(type));
    }
  }
}

export function ingestClient(cluster: LocalCluster): IngestClient {
  return IngestClient.fromEnv(cluster.url('ingest'), testEnv());
}

/** The read APIs' token (API_TOKENS of deploy/local.env, the first entry). */
export function readApiHeaders(env: NodeJS.ProcessEnv = testEnv()): Record<string, string> {
  const token = (env.API_TOKENS ?? '').split(',')[0]?.split(':')[2];
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** GET a service's read API; null on 404. */
export async function readEffect(
  cluster: LocalCluster,
  service: FanoutServiceName,
  path: string,
): Promise<unknown> {
  const response = await fetch(`${cluster.url(service)}${path}`, { headers: readApiHeaders() });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`${service} ${path} -> ${response.status}`);
  return response.json();
}

/** The four read endpoints of a deal's effects. */
export const EFFECT_PATHS: Array<[FanoutServiceName, (dealId: string) => string]> = [
  ['erp-orders', (dealId) => `/v1/sales-orders/by-deal/${dealId}`],
  ['finance-invoicing', (dealId) => `/v1/invoices/by-deal/${dealId}`],
  ['support-onboarding', (dealId) => `/v1/onboarding-tickets/by-deal/${dealId}`],
  ['marketing-segments', (dealId) => `/v1/segment-memberships/by-deal/${dealId}`],
];
