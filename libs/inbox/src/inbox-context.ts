import { randomUUID } from 'node:crypto';
import type { Context } from '@opentelemetry/api';
import type { EntityManager } from 'typeorm';

import { composeCloudEvent, type CloudEvent, type EventMap, type EventType } from '@switchboard/contracts';
import type { OutboxWriter } from '@switchboard/outbox';
import { traceHeaders } from '@switchboard/telemetry';

/**
 * What a handler receives beside the event: the transaction its effect must be written in, and a
 * way to publish result events through the same transaction (the service's outbox).
 */
export class InboxContext {
  constructor(
    readonly event: CloudEvent,
    readonly manager: EntityManager,
    private readonly outbox: OutboxWriter,
    private readonly source: string,
    readonly delivery: { topic: string; partition: number; offset: string },
    /** The trace context of the processing span: result events continue this trace. */
    private readonly traceContext: Context,
  ) {}

  /** Enqueues a result event in the handler's transaction; it is published only if the effect commits. */
  async publish<T extends EventType>(type: T, data: EventMap[T]): Promise<CloudEvent<T>> {
    const event = composeCloudEvent({
      id: randomUUID(),
      source: this.source,
      type,
      data,
      ...traceHeaders(this.traceContext),
    });
    await this.outbox.enqueueEvents(this.manager, [event]);
    return event;
  }
}
