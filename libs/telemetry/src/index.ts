export {
  enableContextPropagation,
  tracer,
  contextFromHeaders,
  traceHeaders,
  traceHeadersOrNew,
  currentTraceIds,
} from './trace-context';
