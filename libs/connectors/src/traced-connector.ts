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
  const deliver = connector.deliver.bind(connector);
  const traced = async (delivery: Delivery): Promise<DeliveryReceipt> => {
    const span = tracer.startSpan(`${connector.name} ${delivery.operation}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'switchboard.downstream.system': connector.name,
        'switchboard.downstream.operation': delivery.operation,
        'switchboard.downstream.idempotency_key': delivery.idempotencyKey,
      },
    });
    try {
      const receipt = await context.with(trace.setSpan(context.active(), span), () => deliver(delivery));
      if (receipt.externalId) span.setAttribute('switchboard.downstream.external_id', receipt.externalId);
      return receipt;
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
  return Object.assign(connector, { deliver: traced });
}
