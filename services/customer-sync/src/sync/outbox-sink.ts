import { randomUUID } from 'node:crypto';

import type { EntityManager } from 'typeorm';

import { composeCloudEvent } from '@switchboard/contracts';
import type { OutboxWriter } from '@switchboard/outbox';

import type { SyncSink } from './sync.types';

export const CUSTOMER_SYNC_SOURCE = 'switchboard/customer-sync';

/** Publishes through the service's outbox in the caller's transaction (HTTP requests, the load command). */
export function outboxSink(outbox: OutboxWriter, m: EntityManager): SyncSink {
  return {
    publish: async (type, data) => {
      const event = composeCloudEvent({ id: randomUUID(), source: CUSTOMER_SYNC_SOURCE, type, data });
      await outbox.enqueueEvents(m, [event]);
      return event;
    },
  };
}
