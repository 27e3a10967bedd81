import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { deadLetterTopic } from '@switchboard/contracts';
import {
  consumerLag,
  kafkaConnectionFromEnv,
  topicEndOffsets,
  type KafkaConnectionConfig,
  type PartitionLag,
} from '@switchboard/kafka';

import { DeadLettersService } from '../dead-letters/dead-letters.service';
import { ratesBetween, type GroupRates, type GroupSample } from './flow-rates';
import { OUTBOX_OLDEST_METRIC, gaugeValue, parseServiceUrls } from './outbox-age';

export interface GroupHealth extends GroupRates {
  consumer: string;
  group: string;
  lag: number;
  partitions: PartitionLag[];
  /** Dead letters ever written to the consumer's dead-letter topic. */
  deadLetters: number;
}

export interface OutboxHealth {
  service: string;
  /** Seconds the oldest unpublished outbox row has waited (0: none waits); null when unreadable. */
  oldestSeconds: number | null;
}

/**
 * Per consumer group: lag from the broker, throughput and failure ratio between this reading and
 * the previous one (kept in memory: each replica measures from its own readings).
 */
@Injectable()
export class FlowHealthService {
  private readonly kafka: KafkaConnectionConfig;
  private readonly prefix: string;
  private readonly samples = new Map<string, GroupSample>();
  private readonly serviceUrls: Map<string, string>;
  private readonly timeoutMs: number;

  constructor(
    @Inject(ConfigService) config: ConfigService,
    @Inject(DeadLettersService) private readonly letters: DeadLettersService,
  ) {
    this.kafka = kafkaConnectionFromEnv('console');
    this.prefix = config.getOrThrow<string>('KAFKA_GROUP_PREFIX');
    this.serviceUrls = parseServiceUrls(config.get<string>('CONSOLE_SERVICE_URLS') ?? '');
    this.timeoutMs = config.getOrThrow<number>('CONSOLE_UPSTREAM_TIMEOUT_MS');
  }

  /**
   * Per service, the age of its oldest unpublished outbox row from its own /metrics: the gauge the
   * latency alert reads, which every replica computes from the whole table.
   */
  outboxes(): Promise<OutboxHealth[]> {
    return Promise.all(
      [...this.serviceUrls].map(async ([service, url]) => {
        const oldestSeconds = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(this.timeoutMs) })
          .then(async (response) =>
            response.ok ? gaugeValue(await response.text(), OUTBOX_OLDEST_METRIC) : null,
          )
          // Unreachable or slow: the page says so for this service and shows the others.
          .catch(() => null);
        return { service, oldestSeconds };
      }),
    );
  }

  async groups(now = Date.now()): Promise<GroupHealth[]> {
    const result: GroupHealth[] = [];
    for (const [consumer, topics] of this.letters.consumers) {
      const group = `${this.prefix}.${consumer}`;
      const partitions = await consumerLag(this.kafka, group, [...topics]);
      // Dead letters ever written (a purge leaves the end offsets where they were).
      const ends = await topicEndOffsets(this.kafka, deadLetterTopic(consumer));
      const sample: GroupSample = {
        at: now,
        committed: partitions.reduce((sum, p) => sum + Number(p.committed ?? 0), 0),
        deadLetters: ends.reduce((sum, end) => sum + Number(end.offset), 0),
      };
      const rates = ratesBetween(this.samples.get(group), sample);
      this.samples.set(group, sample);
      result.push({
        consumer,
        group,
        lag: partitions.reduce((sum, p) => sum + p.lag, 0),
        partitions,
        deadLetters: sample.deadLetters,
        ...rates,
      });
    }
    return result;
  }
}
