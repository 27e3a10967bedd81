import { moveGroupToEnd } from '@switchboard/kafka';

import { kafkaBrokers } from './stack';

/** A new consumer group that sees only what the test publishes, not the backlog of earlier runs. */
export function startGroupAtEnd(groupId: string, topic: string): Promise<void> {
  return moveGroupToEnd({ brokers: kafkaBrokers(), clientId: 'test-admin' }, groupId, topic);
}
