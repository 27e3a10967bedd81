import { InboxTables1763860000001 } from './1763860000001-InboxTables';
import { InboxAttempts1763860000002 } from './1763860000002-InboxAttempts';
import { InboxRetryAttempts1763860000005 } from './1763860000005-InboxRetryAttempts';
import { InboxParked1763860000006 } from './1763860000006-InboxParked';

/** The inbox's tables in every consuming service's schema, in order. */
export const INBOX_MIGRATIONS = [
  InboxTables1763860000001,
  InboxAttempts1763860000002,
  InboxRetryAttempts1763860000005,
  InboxParked1763860000006,
];
