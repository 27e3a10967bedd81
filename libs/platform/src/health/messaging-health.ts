import type { InboxTransport } from '@switchboard/inbox';
import type { OutboxRelay } from '@switchboard/outbox';

/**
 * Kafka side of readiness: the outbox relay (if any) can publish and the consumer (if any) is in its
 * group. A service with neither (the pollers, the console) is ready on its database alone.
 */
export class MessagingHealth {
  constructor(
    private readonly relay: Pick<OutboxRelay, 'isHealthy' | 'status'> | null,
    private readonly transport: InboxTransport | null,
  ) {}

  status(): { healthy: boolean; relay: string; consumer: string } {
    const relayHealthy = this.relay ? this.relay.isHealthy() : true;
    const consumerHealthy = this.transport ? this.transport.isConnected() : true;
    return {
      healthy: relayHealthy && consumerHealthy,
      relay: this.relay ? (relayHealthy ? this.relay.status : 'down') : 'none',
      consumer: this.transport ? (consumerHealthy ? 'connected' : 'disconnected') : 'none',
    };
  }
}
