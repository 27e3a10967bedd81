export {
  enableContextPropagation,
  tracer,
  contextFromHeaders,
  traceHeaders,
  traceHeadersOrNew,
  untraced,
  currentTraceIds,
} from './trace-context';
export { startTelemetry, shutdownTelemetry, telemetryStarted } from './sdk';
export {
  businessAttributes,
  startCreateSpan,
  startProcessSpan,
  startPublishSpan,
  startReceiveSpan,
  type MessageSpan,
} from './messaging';
