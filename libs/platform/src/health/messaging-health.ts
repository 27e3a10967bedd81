import type { InboxTransport } from '@switchboard/inbox';
import type { OutboxRelay } from '@switchboard/outbox';

/** Kafka side of readiness: the outbox relay can publish and the consumer (if any) is in its group. */
export class MessagingHealth {
  constructor(
    private readonly relay: OutboxRelay,
    private readonly transport: InboxTransport | null,
  ) {}

  status(): { healthy: boolean; relay: string; consumer: string } {
    const relayHealthy = this.relay.isHealthy();
    const consumerHealthy = this.transport ? this.transport.isConnected() : true;
    return {
      healthy: relayHealthy && consumerHealthy,
      relay: relayHealthy ? this.relay.status : 'down',
      consumer: this.transport ? (consumerHealthy ? 'connected' : 'disconnected') : 'none',
    };
  }
}
