import type { OutboxRelay } from '@switchboard/outbox';

import { MessagingHealth } from './messaging-health';

describe('MessagingHealth', () => {
  it('is ready without a relay or a consumer (a service that neither produces nor consumes)', () => {
    expect(new MessagingHealth(null, null).status()).toEqual({
      healthy: true,
      relay: 'none',
      consumer: 'none',
    });
  });

  it('is not ready while its relay cannot publish', () => {
    const relay: Pick<OutboxRelay, 'isHealthy' | 'status'> = { isHealthy: () => false, status: 'active' };
    expect(new MessagingHealth(relay, null).status()).toEqual({
      healthy: false,
      relay: 'down',
      consumer: 'none',
    });
  });
});
