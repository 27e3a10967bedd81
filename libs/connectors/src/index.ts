export { DownstreamError, type FailureClass } from './downstream-error';
export {
  type DownstreamConnector,
  type Delivery,
  type DeliveryReceipt,
  BuiltInConnector,
} from './downstream-connector';
export { HttpConnector, type HttpConnectorOptions } from './http-connector';
export { connectorMetrics } from './connector.metrics';
