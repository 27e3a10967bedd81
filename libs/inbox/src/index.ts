export { InboxTransport, InboxTransportOptions } from './inbox-transport';
export { InboxContext } from './inbox-context';
export { EventRejected } from './event-rejected';
export { RethrowRpcErrorsFilter } from './rethrow-rpc-errors.filter';
export { InboxTables1763860000001 } from './migrations/1763860000001-InboxTables';
export { DeadLetter } from './dead-letter';
