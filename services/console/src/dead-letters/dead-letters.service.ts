import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import {
  listDeadLetters,
  parseConsumerTopics,
  purgePlan,
  replay,
  type ConsumerTopics,
  type DeadLetterEntry,
  type DeadLetterFilter,
} from '@switchboard/inbox';
import { deadLetterTopic } from '@switchboard/contracts';
import {
  KafkaPublisher,
  kafkaConnectionFromEnv,
  purgeTopic,
  type KafkaConnectionConfig,
} from '@switchboard/kafka';

import { ConsoleAuditService } from '../audit/console-audit.service';
import type { ConsoleUser } from '../auth/session';
import { ConsoleError, ConsoleErrorCode } from '../console.errors';

/**
 * Dead letters through libs/inbox, as the CLI handles them: list per consumer, replay on the
 * original topic (idempotent: the inbox skips what was applied), purge exactly what was named.
 */
@Injectable()
export class DeadLettersService implements OnApplicationShutdown {
  readonly consumers: ConsumerTopics;
  private readonly kafka: KafkaConnectionConfig;
  private publisher: KafkaPublisher | null = null;

  constructor(
    @Inject(ConfigService) config: ConfigService,
    @Inject(ConsoleAuditService) private readonly audit: ConsoleAuditService,
  ) {
    this.consumers = parseConsumerTopics(config.getOrThrow<string>('CONSOLE_CONSUMERS'));
    this.kafka = kafkaConnectionFromEnv('console');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher?.disconnect();
  }

  consumer(name: string | undefined): string {
    const consumer = name ?? [...this.consumers.keys()][0];
    if (!consumer || !this.consumers.has(consumer)) {
      throw new ConsoleError(ConsoleErrorCode.NotFound, `No consumer ${name ?? ''}`);
    }
    return consumer;
  }

  list(consumer: string, filter: DeadLetterFilter = {}): Promise<DeadLetterEntry[]> {
    return listDeadLetters(this.kafka, [this.consumer(consumer)], filter);
  }

  async replay(user: ConsoleUser, consumer: string, filter: DeadLetterFilter): Promise<number> {
    const entries = await this.list(consumer, filter);
    const publisher = await this.connectedPublisher();
    const result = await replay(publisher, entries, (service) => this.consumers.get(service) ?? new Set());
    await this.audit.record({
      actor: user.name,
      action: 'dead-letters.replay',
      target: consumer,
      outcome: 'ok',
      detail: {
        replayed: result.replayed,
        refused: result.refused.length,
        errorClass: filter.errorClass ?? null,
        since: filter.since?.toISOString() ?? null,
        named: filter.refs?.length ?? null,
      },
    });
    return result.replayed;
  }

  /**
   * Deletes the named letters, only when the operator confirmed their number and the cut deletes
   * nothing they did not name (Kafka deletes a partition's prefix: see purgePlan).
   */
  async purge(user: ConsoleUser, consumer: string, refs: string[], confirmedCount: number): Promise<number> {
    const name = this.consumer(consumer);
    if (confirmedCount !== refs.length) {
      throw new ConsoleError(
        ConsoleErrorCode.Invalid,
        `The confirmation was for ${confirmedCount} dead letters, the request names ${refs.length}`,
      );
    }
    const plan = purgePlan(await this.list(name), refs);
    if (plan.unnamed.length > 0 || plan.unknown.length > 0) {
      await this.audit.record({
        actor: user.name,
        action: 'dead-letters.purge',
        target: name,
        outcome: 'refused',
        detail: { named: refs.length, unnamed: plan.unnamed.length, unknown: plan.unknown.length },
      });
      throw new ConsoleError(
        ConsoleErrorCode.Conflict,
        `Nothing purged: ${plan.unnamed.length} older dead letter(s) of ${name} would go too (${plan.unnamed.slice(0, 5).join(', ')}${plan.unnamed.length > 5 ? ', ...' : ''}), and ${plan.unknown.length} named one(s) are no longer there. Select every letter up to the last one to purge.`,
      );
    }
    const purged = await purgeTopic(this.kafka, deadLetterTopic(name), plan.before);
    await this.audit.record({
      actor: user.name,
      action: 'dead-letters.purge',
      target: name,
      outcome: 'ok',
      detail: { purged },
    });
    return purged;
  }

  private async connectedPublisher(): Promise<KafkaPublisher> {
    if (!this.publisher) {
      const publisher = new KafkaPublisher(this.kafka);
      await publisher.connect();
      this.publisher = publisher;
    }
    return this.publisher;
  }
}
