export { InboxTransport, InboxTransportOptions } from './inbox-transport';
export { InboxContext } from './inbox-context';
export { EventRejected } from './event-rejected';
export { RethrowRpcErrorsFilter } from './rethrow-rpc-errors.filter';
export { InboxTables1763860000001 } from './migrations/1763860000001-InboxTables';
export { InboxAttempts1763860000002 } from './migrations/1763860000002-InboxAttempts';
export { DeadLetter, REPLAYED_FROM_HEADER } from './dead-letter';
export { ChunkContext, ChunkPattern, firstOfEach, type ResultOf } from './chunk-context';
export { InboxRetryAttempts1763860000005 } from './migrations/1763860000005-InboxRetryAttempts';
