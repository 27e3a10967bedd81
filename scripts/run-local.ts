import 'reflect-metadata';

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

import { topicOf } from '@switchboard/contracts';
import { consumerTopicsSpec } from '@switchboard/inbox';
import { kafkaConnectionFromEnv, moveGroupToEnd } from '@switchboard/kafka';
import { consumerGroupOf } from '@switchboard/platform';
import {
  ALL_SERVICE_NAMES,
  IngestClient,
  LocalCluster,
  ServiceProcess,
  eventually,
  loadLocalEnv,
  sampleDeal,
} from '@switchboard/testing';

import { pollersService } from '../services/pollers/src/service.definition';

import { parseAccounts, developmentPassword } from '../services/console/src/auth/accounts';
import { ALL_SERVICES } from './provision-all';
import { pollersEnv } from './support/pollers-env';

// A broker that already holds earlier runs' events (e.g. after `npm test`) makes the consumers of a
// new local database work through that backlog before they reach the sample deal.
const EFFECT_WAIT_MS = 180_000;

/**
 * What `npm start` runs after the stack is up and provisioned: every service as its own process,
 * one sample deal_won through ingest, and the four effects read back from the services' APIs.
 * Ctrl-C (or SIGTERM) stops every service gracefully.
 */
/** Set once services may be running, so a failure stops them instead of leaving them behind. */
let failed = (error: unknown): Promise<void> => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
};

async function main(): Promise<void> {
  const root = join(__dirname, '..', '..');
  const env = loadLocalEnv(root);
  const basePort = Number(env.BASE_PORT ?? 3000);
  // The console reads customer-sync's API, which LocalCluster starts on basePort + 5.
  env.CONSOLE_CUSTOMER_SYNC_URL ??= `http://127.0.0.1:${basePort + 5}`;
  // Whose dead letters the console shows, and where it may replay them (it imports no service).
  env.CONSOLE_CONSUMERS ??= consumerTopicsSpec(ALL_SERVICES);
  // Whose outbox backlog its flow page shows: each service's metrics, on LocalCluster's ports.
  env.CONSOLE_SERVICE_URLS ??= ALL_SERVICE_NAMES.filter((name) => name !== 'console')
    .map((name) => `${name}=http://127.0.0.1:${basePort + ALL_SERVICE_NAMES.indexOf(name)}`)
    .join(',');
  const cluster = new LocalCluster({
    root,
    env,
    basePort,
    withCustomerSync: true,
    withConsole: true,
    withCrmSync: true,
    withAddressBook: true,
    logs: { dir: join(root, '.stack/logs') },
  });

  // Against the real systems, what RT and Tryton change on their side comes in through the pollers
  // service, which posts to ingest: escalated RT tickets (ticket_escalated), edited parties of the
  // ERP and the CRM (customer_updated), and the CRM's won opportunities (deal_won; its leads from
  // outside sales get the default owner). It gets the secrets of the sources it posts as, never
  // ingest's whole list.
  const pollers =
    env.DOWNSTREAM_MODE === 'real'
      ? new ServiceProcess('pollers', basePort + pollersService.defaultPort - 3000, {
          root,
          env: {
            ...pollersEnv(env, cluster.url('ingest')),
            CRM_OPPORTUNITIES_POLL_ENABLED: 'true',
            CRM_DEAL_TAX_RATE_PERCENT: '19',
            POLLERS_OWNERSHIP_FILE: join(root, 'deploy/ownership.yaml'),
          },
          basePort,
          logs: { dir: join(root, '.stack/logs') },
        })
      : null;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping services gracefully...`);
    void Promise.all([cluster.stop(), pollers?.stop()]).then(() => {
      console.log('all services stopped');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  // The local broker also holds what `npm test` published (thousands of test deals, on topics shared
  // with these services' groups): a first `npm start` begins at the end of every topic instead of
  // replaying them, into Tryton and RT too with the real systems. Later starts resume where they were.
  const kafka = kafkaConnectionFromEnv('npm-start', env);
  for (const definition of ALL_SERVICES) {
    for (const type of definition.consumes) {
      await moveGroupToEnd(kafka, consumerGroupOf(definition, env.KAFKA_GROUP_PREFIX), topicOf(type), {
        onlyIfNew: true,
      });
    }
  }

  console.log(`starting ${Object.keys(cluster.services).join(', ')}...`);
  failed = async (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    console.error('stopping services (their logs are in .stack/logs)...');
    await Promise.all([cluster.stop(), pollers?.stop()]);
    process.exit(1);
  };
  await cluster.start();
  for (const service of Object.values(cluster.services)) {
    console.log(
      `  ${service.name.padEnd(20)} ${service.url}  (pid ${service.pid}, log .stack/logs/${service.name}.log)`,
    );
  }

  if (pollers) {
    pollers.start();
    await pollers.waitReady();
    console.log(
      `  ${'pollers'.padEnd(20)} ${pollers.url}  (pid ${pollers.pid}, log .stack/logs/pollers.log; Tryton parties and RT escalations every 30 s)`,
    );
  }

  const dealId = `D-${randomUUID().slice(0, 8).toUpperCase()}`;
  const ingest = IngestClient.fromEnv(cluster.url('ingest'), env);
  const posted = await ingest.post('crm', {
    id: `crm-evt-${dealId}`,
    type: 'deal_won',
    data: sampleDeal({ dealId }),
  });
  console.log(`\nPOST /v1/events deal_won ${dealId} -> ${posted.status} ${JSON.stringify(posted.body)}`);
  if (posted.status !== 202) throw new Error('the sample deal was refused');
  // One trace from the HTTP request through every service (Zipkin, started by deploy/stack.sh).
  const zipkin = (env.OTEL_EXPORTER_ZIPKIN_ENDPOINT ?? '').replace(/\/api\/v2\/spans$/, '');
  if (posted.traceId && zipkin && env.OTEL_TRACES_EXPORTER === 'zipkin' && env.OTEL_SDK_DISABLED !== 'true') {
    console.log(`trace of the sample deal: ${zipkin}/zipkin/traces/${posted.traceId}`);
  }

  const started = Date.now();
  console.log('waiting for the four effects (a new local database first catches up on earlier events)...');
  const readToken = (env.API_TOKENS ?? '').split(',')[0]?.split(':')[2];
  const read = async (url: string, headers: Record<string, string> = {}): Promise<unknown> => {
    const response = await fetch(url, {
      headers: { ...(readToken ? { authorization: `Bearer ${readToken}` } : {}), ...headers },
    });
    if (!response.ok) throw new Error(`${url} -> ${response.status}`);
    return response.json();
  };
  const [order, invoice, ticket, segment] = await eventually(
    () =>
      Promise.all([
        read(`${cluster.url('erp-orders')}/v1/sales-orders/by-deal/${dealId}`),
        read(`${cluster.url('finance-invoicing')}/v1/invoices/by-deal/${dealId}`),
        read(`${cluster.url('support-onboarding')}/v1/onboarding-tickets/by-deal/${dealId}`),
        read(`${cluster.url('marketing-segments')}/v1/segment-memberships/by-deal/${dealId}`),
      ]),
    { timeoutMs: EFFECT_WAIT_MS },
  );
  console.log(`\nThe four effects of ${dealId}, read back from the services (${Date.now() - started} ms):`);
  console.log('\nerp-orders: sales order', JSON.stringify(order, null, 2));
  console.log('\nfinance-invoicing: invoice', JSON.stringify(invoice, null, 2));
  console.log('\nsupport-onboarding: onboarding ticket', JSON.stringify(ticket, null, 2));
  console.log('\nmarketing-segments: segment move', JSON.stringify(segment, null, 2));

  // Master data: the deal's CRM account became one canonical customer with its cross-references.
  const syncUrl = cluster.services['customer-sync']?.url;
  const token = (env.CUSTOMER_SYNC_API_TOKENS ?? '').split(',')[0]?.split(':')[2];
  if (syncUrl && token) {
    const customer = (await eventually(
      () =>
        read(`${syncUrl}/v1/customers/by-ref/crm/account/ACC-${dealId}`, {
          authorization: `Bearer ${token}`,
        }),
      { timeoutMs: EFFECT_WAIT_MS },
    )) as { id: string; fields: unknown; syncedTargets: string[]; crossReferences: { system: string }[] };
    // The sample deals share a VAT number, so earlier runs' accounts match the same customer:
    // show the links per system rather than every one of them.
    const links: Record<string, number> = {};
    for (const ref of customer.crossReferences) links[ref.system] = (links[ref.system] ?? 0) + 1;
    console.log(
      '\ncustomer-sync: canonical customer',
      JSON.stringify(
        { id: customer.id, fields: customer.fields, syncedTo: customer.syncedTargets, links },
        null,
        2,
      ),
    );
  }
  const consoleUrl = cluster.services.console?.url;
  if (consoleUrl) {
    console.log(`\nThe console: ${consoleUrl}  (local accounts, development only)`);
    for (const account of parseAccounts(env.CONSOLE_USERS ?? '')) {
      console.log(
        `  ${account.name.padEnd(8)} password ${developmentPassword(account.name).padEnd(18)} ${account.roles.join(', ')}`,
      );
    }
  }
  console.log(
    `\nSwitchboard is running. Post more events (see docs/integrating.md), e.g.:\n` +
      `  bash scripts/post-event.sh crm <body.json>   (docs/integrating.md shows the body)\n` +
      `Press Ctrl-C to stop everything.`,
  );
}

main().catch((error: unknown) => failed(error));
