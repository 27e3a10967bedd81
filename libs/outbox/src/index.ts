export { OutboxWriter, OutboxRecord, GuardStatement, PreparedEvents } from './outbox-writer';
export { OutboxRelay, OutboxRelayOptions, RelayLogger } from './outbox-relay';
export { OutboxTables1763860000000, schemaOf } from './migrations/1763860000000-OutboxTables';
export { OutboxWithoutNotify1763860000003 } from './migrations/1763860000003-OutboxWithoutNotify';
export { outboxChannel, outboxLockKey, quoteIdent } from './outbox-naming';
export { OutboxSetAside1763860000004 } from './migrations/1763860000004-OutboxSetAside';
export { LeaderLock, type LeaderLockOptions } from './leader-lock';
