import { randomUUID } from 'node:crypto';
import { EventPattern } from '@nestjs/microservices';
import { context, type Context } from '@opentelemetry/api';
import type { EntityManager } from 'typeorm';

import { composeCloudEvent, type CloudEvent, type EventMap, type EventType } from '@switchboard/contracts';
import type { Delivery, DeliveryReceipt, DownstreamConnector } from '@switchboard/downstream';
import type { OutboxWriter } from '@switchboard/outbox';
import { traceHeaders } from '@switchboard/telemetry';

/** The handler extra that marks a `@ChunkPattern` handler for the transport. */
export const CHUNK_HANDLER = 'switchboard.inbox.chunk';

/**
 * A set-based handler of one topic: called once per chunk with every event of it that is new to
 * the inbox, in partition order, and a ChunkContext. It writes each table with one statement for
 * the whole chunk. Should it throw, the transport rolls the chunk back and calls it again with one
 * event at a time (each in a savepoint), so a poison event is dead-lettered alone and a downstream
 * failure parks only its key.
 *
 *   @ChunkPattern(Topic.deal_won)
 *   onDealWon(@Payload() events: CloudEvent<'deal_won'>[], @Ctx() chunk: ChunkContext): Promise<void>
 */
export function ChunkPattern(topic: string): MethodDecorator {
  return EventPattern<string>(topic, { [CHUNK_HANDLER]: true });
}

/** A result event and the event it answers (whose trace it continues). */
export interface ResultOf<T extends EventType> {
  cause: CloudEvent;
  data: EventMap[T];
}

/**
 * What a chunk handler receives beside the events: the inbox transaction every effect is written
 * in, the trace context of each event, and the outbox, written in one insert for the whole chunk.
 */
export class ChunkContext {
  constructor(
    readonly manager: EntityManager,
    private readonly outbox: OutboxWriter,
    private readonly source: string,
    /** Each event's `process` span context, by event id. */
    private readonly traces: ReadonlyMap<string, Context>,
  ) {}

  private failure: { event: CloudEvent; error: unknown } | null = null;

  /**
   * Runs `work` on behalf of one event (a downstream call): its spans join that event's trace, and
   * an error it throws is that event's, so the transport parks or dead-letters that event without
   * calling it again, and replays only the others one at a time.
   */
  async within<R>(event: CloudEvent, work: () => Promise<R>): Promise<R> {
    try {
      return await context.with(this.traces.get(event.id) ?? context.active(), work);
    } catch (error) {
      this.failure ??= { event, error };
      throw error;
    }
  }

  /**
   * The chunk's downstream writes, one per event, receipts in their order: in one go where the
   * connector takes several at once (`deliverAll`: a failure is then no single event's, so the
   * transport rolls the chunk back and applies its events one at a time, each through here again),
   * else one by one, each on behalf of its event (`within`).
   */
  async deliver(
    connector: DownstreamConnector,
    writes: ReadonlyArray<{ event: CloudEvent; delivery: Delivery }>,
  ): Promise<DeliveryReceipt[]> {
    if (writes.length > 1 && connector.deliverAll) {
      return connector.deliverAll(writes.map(({ delivery }) => delivery));
    }
    const receipts: DeliveryReceipt[] = [];
    for (const { event, delivery } of writes) {
      receipts.push(await this.within(event, () => connector.deliver(delivery)));
    }
    return receipts;
  }

  /** The event whose `within` threw `error`, if it came from one. */
  failedEvent(error: unknown): CloudEvent | null {
    const { failure } = this;
    return failure && failure.error === error ? failure.event : null;
  }

  /**
   * Enqueues the chunk's result events of one type in one insert, in the handler's transaction;
   * they are published only if the chunk commits, each in the trace of the event that caused it.
   */
  async publish<T extends EventType>(type: T, results: Array<ResultOf<T>>): Promise<Array<CloudEvent<T>>> {
    if (results.length === 0) return [];
    const events = results.map(({ cause, data }) =>
      composeCloudEvent({
        id: randomUUID(),
        source: this.source,
        type,
        data,
        ...traceHeaders(this.traces.get(cause.id) ?? context.active()),
      }),
    );
    await this.outbox.enqueueEvents(this.manager, events);
    return events;
  }
}

/**
 * The first event of each key, in chunk order: where one statement writes a row per key, a later
 * event of the same key (a deal re-sent under a new id) is the no-op it would be one at a time.
 */
export function firstOfEach<E>(events: readonly E[], keyOf: (event: E) => string): E[] {
  const first = new Map<string, E>();
  for (const event of events) {
    const key = keyOf(event);
    if (!first.has(key)) first.set(key, event);
  }
  return [...first.values()];
}
