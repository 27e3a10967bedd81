export { OutboxWriter, OutboxRecord } from './outbox-writer';
export { OutboxRelay, OutboxRelayOptions, RelayLogger } from './outbox-relay';
export { OutboxTables1763860000000, schemaOf } from './migrations/1763860000000-OutboxTables';
export { outboxChannel, outboxLockKey, quoteIdent } from './outbox-naming';
