// The whole system (the fan-out and customer-sync) for the observability suites: every service on
// test ports, consumer groups of their own positioned at the end of their topics, each consumer
// writing to a fake downstream API over HTTP (so the connector metrics count real calls), logs
// to .stack/test-logs/<suite>/.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

import { buildCloudEvent, Topic } from '@switchboard/contracts';
import { KafkaPublisher, kafkaConnectionFromEnv } from '@switchboard/kafka';
import { LocalCluster, sampleDeal, type ServiceName } from '@switchboard/testing';

import { ALL_SERVICES } from '../../scripts/provision-all';
import { ROOT, startGroupsAtEnd, testEnv } from './cluster';
import { FakeDownstream } from './fake-downstream';
import { uniqueName } from './stack';

/** Every service but the pollers, which need the real systems (test/pollers checks their metrics and logs). */
export const ALL_NAMES: ServiceName[] = ALL_SERVICES.filter(
  (definition) => definition.name !== 'pollers',
).map((definition) => definition.name as ServiceName);
export const CONSUMERS = ALL_SERVICES.filter((definition) => definition.consumes.length > 0);

export interface ObservedRun {
  cluster: LocalCluster;
  downstream: FakeDownstream;
  env: NodeJS.ProcessEnv;
  groupPrefix: string;
  logDir: string;
  url(name: ServiceName): string;
  stop(): Promise<void>;
}

export async function startObservedCluster(
  suite: string,
  extra: NodeJS.ProcessEnv = {},
): Promise<ObservedRun> {
  const downstream = new FakeDownstream();
  const downstreamUrl = await downstream.start();
  const groupPrefix = uniqueName(`test-${suite}`);
  const logDir = join(ROOT, '.stack/test-logs', suite);
  const env = testEnv({
    KAFKA_GROUP_PREFIX: groupPrefix,
    DOWNSTREAM_MODE: 'http',
    DOWNSTREAM_URL: downstreamUrl,
    CUSTOMER_SYNC_OWNERSHIP_FILE: join(ROOT, 'deploy/ownership.yaml'),
    ...extra,
  });
  const cluster = new LocalCluster({
    root: ROOT,
    env,
    basePort: Number(process.env.TEST_BASE_PORT ?? 4100),
    withCustomerSync: true,
    withCrmSync: true,
    withAddressBook: true,
    // The CRM and the address book have no REST adapter: they keep their own tables here.
    serviceEnv: {
      'crm-sync': { DOWNSTREAM_MODE: 'builtin' },
      'address-book': { DOWNSTREAM_MODE: 'builtin' },
    },
    logs: { dir: logDir },
    afterProvision: () =>
      startGroupsAtEnd(
        groupPrefix,
        CONSUMERS.map((definition) => definition.name),
      ),
  });
  await cluster.provision();
  await cluster.start();
  return {
    cluster,
    downstream,
    env,
    groupPrefix,
    logDir,
    url: (name) => cluster.services[name]!.url,
    stop: async () => {
      await cluster.stop();
      await downstream.stop();
    },
  };
}

/**
 * Poison messages straight onto the deal_won topic: one that is not JSON, one whose price breaks
 * the contract (three decimals in EUR). Every consumer of deal_won dead-letters both.
 */
export async function publishPoison(env: NodeJS.ProcessEnv, key: string): Promise<number> {
  const publisher = new KafkaPublisher(kafkaConnectionFromEnv('observability-test', env));
  await publisher.connect();
  try {
    const invalid = buildCloudEvent({
      id: randomUUID(),
      source: 'crm',
      type: 'deal_won',
      data: sampleDeal({ dealId: key }),
    });
    const invalidValue = JSON.stringify({
      ...invalid,
      data: { ...invalid.data, lines: [{ ...invalid.data.lines[0], unitPrice: '1.234' }] },
    });
    const poison = ['this is not json', invalidValue];
    await publisher.publish(poison.map((value) => ({ topic: Topic.deal_won, key, value, headers: {} })));
    return poison.length;
  } finally {
    await publisher.disconnect();
  }
}
