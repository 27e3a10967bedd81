export {
  CHUNK_COMMITTED_CHANNEL,
  InboxTransport,
  InboxTransportOptions,
  type ChunkCommitted,
} from './inbox-transport';
export { InboxContext } from './inbox-context';
export { EventRejected } from './event-rejected';
export { RethrowRpcErrorsFilter } from './rethrow-rpc-errors.filter';
export { INBOX_MIGRATIONS } from './migrations';
export { DeadLetter, REPLAYED_FROM_HEADER } from './dead-letter';
export { ChunkContext, ChunkPattern, firstOfEach, type ResultOf } from './chunk-context';
export {
  consumerTopicsOf,
  consumerTopicsSpec,
  listDeadLetters,
  parseConsumerTopics,
  purgePlan,
  replay,
  type ConsumerTopics,
  type DeadLetterEntry,
  type DeadLetterFilter,
  type PurgePlan,
  type ReplayResult,
} from './dead-letter-admin';
