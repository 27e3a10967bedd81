/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are untyped JSON here */
// Shared by the customer-sync suites: the service as its own process (from dist/, like its
// container), source events published straight to Kafka as ingest would, and reads of what it did.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

import {
  EVENT_CATALOG,
  Topic,
  buildCloudEvent,
  nameBasedUuid,
  type CloudEvent,
  type CustomerSyncedV1,
  type EventMap,
  type EventType,
  type SourceSystem,
} from '@switchboard/contracts';
import { KafkaBatchConsumer, KafkaPublisher, kafkaConnectionFromEnv } from '@switchboard/kafka';
import { ServiceProcess } from '@switchboard/testing';

import { ROOT, testEnv } from '../support/cluster';
import { TestDatabase } from '../support/db';
import { startGroupAtEnd } from '../support/kafka';
import { kafkaBrokers, waitFor } from '../support/stack';

export const STEWARD_TOKEN = 'steward-token-0123456789abcdefghij';
export const VIEWER_TOKEN = 'viewer-token-0123456789abcdefghijk';
export const API_TOKENS = `dana:data-steward:${STEWARD_TOKEN},victor:viewer:${VIEWER_TOKEN}`;

/** Above the five services of testCluster (TEST_BASE_PORT + 0..4). */
export const SYNC_PORT = Number(process.env.TEST_BASE_PORT ?? 4100) + 20;

export function syncEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return testEnv({
    CUSTOMER_SYNC_API_TOKENS: API_TOKENS,
    CUSTOMER_SYNC_OWNERSHIP_FILE: join(ROOT, 'deploy/ownership.yaml'),
    CONSUMER_PARTITION_CONCURRENCY: '6',
    ...extra,
  });
}

const CONSUMED = [
  'customer_updated',
  'deal_won',
  'sales_order_created',
  'invoice_paid',
  'ticket_escalated',
] as const;

/**
 * A consumer group of its own for one suite, started at the end of the shared topics: the broker
 * holds every other suite's (and developer's) events, which this run must not wait for.
 */
export async function freshGroupPrefix(suite: string): Promise<string> {
  const prefix = `${process.env.TEST_GROUP_PREFIX ?? 'switchboard-test'}-${suite}-${runId()}`;
  for (const type of CONSUMED) await startGroupAtEnd(`${prefix}.customer-sync`, Topic[type]);
  return prefix;
}

/** customer-sync as an OS process. (LocalCluster's SERVICE_NAMES lists only the deal_won services.) */
export function customerSyncProcess(
  suite: string,
  extra: NodeJS.ProcessEnv = {},
  port = SYNC_PORT,
): ServiceProcess {
  return new ServiceProcess('customer-sync', port, {
    root: ROOT,
    env: syncEnv(extra),
    basePort: port,
    logs: { dir: join(ROOT, '.stack/test-logs', suite) },
  });
}

/** Schema, migrations and topics of customer-sync (the release step; idempotent). */
export async function provisionCustomerSync(): Promise<void> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/services/customer-sync/src/provision.js')], {
    cwd: ROOT,
    env: syncEnv(),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`customer-sync provisioning failed (exit ${code})`);
}

/** A unique prefix for the ids of one test run (topics and the database are shared with other runs). */
export function runId(): string {
  return `${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
}

/** Publishes source events to their topics, as ingest does (CloudEvents, catalog keys). */
export class Sources {
  private readonly publisher = new KafkaPublisher(kafkaConnectionFromEnv('customer-sync-test', syncEnv()));

  connect(): Promise<void> {
    return this.publisher.connect();
  }

  disconnect(): Promise<void> {
    return this.publisher.disconnect();
  }

  event<T extends EventType>(
    type: T,
    source: SourceSystem,
    data: EventMap[T],
    id = randomUUID(),
  ): CloudEvent<T> {
    return buildCloudEvent({
      id: nameBasedUuid('switchboard.ingest', `${source}/${id}`),
      source,
      type,
      data,
    });
  }

  async publish(events: CloudEvent[]): Promise<void> {
    await this.publisher.publish(
      events.map((event) => ({
        topic: Topic[event.type],
        key: (EVENT_CATALOG[event.type].aggregateKey as (d: unknown) => string)(event.data),
        value: JSON.stringify(event),
        headers: { ce_id: event.id, ce_type: event.type, ce_source: event.source },
      })),
    );
  }
}

/** Reads of the customer_sync schema. */
export class SyncDb extends TestDatabase {
  async customerIdByRef(system: string, entity: string, externalId: string): Promise<string | null> {
    const [row] = await this.rows<{ customer_id: string }>(
      `SELECT customer_id FROM customer_sync.customer_xref WHERE system = $1 AND entity = $2 AND external_id = $3`,
      [system, entity, externalId],
    );
    return row?.customer_id ?? null;
  }

  /** customer_synced events written for a customer (the outbox is what the relay publishes). */
  async synced(customerId: string): Promise<CustomerSyncedV1[]> {
    const rows = await this.rows<{ payload: string }>(
      `SELECT payload FROM customer_sync.outbox_message WHERE event_type = 'customer_synced' AND message_key = $1 ORDER BY position`,
      [customerId],
    );
    return rows.map((row) => (JSON.parse(row.payload) as CloudEvent<'customer_synced'>).data);
  }

  async handled(eventId: string): Promise<boolean> {
    return (
      (await this.count(`SELECT count(*) FROM customer_sync.inbox_message WHERE id = $1`, [eventId])) === 1
    );
  }

  async allHandled(eventIds: string[]): Promise<void> {
    const n = await this.count(
      `SELECT count(*) FROM customer_sync.inbox_message WHERE id = ANY($1::text[])`,
      [eventIds],
    );
    if (n !== eventIds.length) throw new Error(`${n} of ${eventIds.length} events handled`);
  }
}

/** The service's HTTP API with a token. */
export async function api(
  path: string,
  token: string | null = VIEWER_TOKEN,
  init: RequestInit = {},
): Promise<{ status: number; body: any }> {
  const response = await fetch(`http://127.0.0.1:${SYNC_PORT}${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...init.headers,
    },
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Messages arriving on a topic from now on (a fresh consumer group that starts at the end). */
export class TopicWatcher {
  readonly messages: Array<{ key: string | null; value: any }> = [];
  private consumer: KafkaBatchConsumer | null = null;

  constructor(private readonly topic: string) {}

  async start(): Promise<void> {
    const groupId = `customer-sync-watch-${randomUUID()}`;
    await startGroupAtEnd(groupId, this.topic);
    const consumer = new KafkaBatchConsumer(
      { brokers: kafkaBrokers(), clientId: 'customer-sync-watcher' },
      { groupId },
    );
    this.consumer = consumer;
    await consumer.connect();
    await consumer.run([this.topic], async (batch, controls) => {
      for (const message of batch.messages) {
        this.messages.push({ key: message.key, value: JSON.parse(message.value?.toString() ?? 'null') });
      }
      await controls.commit(batch.messages[batch.messages.length - 1]);
    });
    await waitFor(() => consumer.isConnected(), 'the watcher joining its group', 30_000);
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** A read of customer-sync's API with the viewer token; anything but 2xx throws with the path. */
export async function readSyncApi(baseUrl: string, path: string): Promise<any> {
  const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
  if (!response.ok) throw new Error(`customer-sync ${path} -> ${response.status}`);
  return response.json();
}
