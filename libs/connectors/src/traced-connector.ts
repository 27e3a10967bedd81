import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';

import { tracer } from '@switchboard/telemetry';

import {
  DownstreamError,
  type Delivery,
  type DeliveryReceipt,
  type DownstreamConnector,
} from '@switchboard/downstream';

/**
 * Wraps a connector so each downstream call is a CLIENT span (`<system> <operation>`, e.g.
 * `erp-orders sales-orders`) in the trace of the event being processed; an HTTP adapter's request
 * and its `traceparent` header are children of it.
 */
export function tracedConnector<T extends DownstreamConnector>(connector: T): T {
  const inSpan = async <R>(
    operation: string,
    attributes: Record<string, string | number>,
    work: () => Promise<R>,
    externalId: (result: R) => string | null,
  ): Promise<R> => {
    const span = tracer.startSpan(`${connector.name} ${operation}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'switchboard.downstream.system': connector.name,
        'switchboard.downstream.operation': operation,
        ...attributes,
      },
    });
    try {
      const result = await context.with(trace.setSpan(context.active(), span), work);
      const id = externalId(result);
      if (id) span.setAttribute('switchboard.downstream.external_id', id);
      return result;
    } catch (error) {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      if (error instanceof DownstreamError) span.setAttribute('error.type', error.failureClass);
      throw error;
    } finally {
      span.end();
    }
  };
  const deliver = connector.deliver.bind(connector);
  const traced = (delivery: Delivery): Promise<DeliveryReceipt> =>
    inSpan(
      delivery.operation,
      { 'switchboard.downstream.idempotency_key': delivery.idempotencyKey },
      () => deliver(delivery),
      (receipt) => receipt.externalId,
    );
  const deliverAll = connector.deliverAll?.bind(connector);
  if (!deliverAll) return Object.assign(connector, { deliver: traced });
  // Several events' writes in one go: one span in the chunk's trace, saying how many it carried.
  const tracedAll = (deliveries: Delivery[]): Promise<DeliveryReceipt[]> =>
    inSpan(
      deliveries[0]?.operation ?? 'none',
      { 'switchboard.downstream.deliveries': deliveries.length },
      () => deliverAll(deliveries),
      () => null,
    );
  return Object.assign(connector, { deliver: traced, deliverAll: tracedAll });
}
