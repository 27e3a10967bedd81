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

export interface GroupHealth extends GroupRates {
  consumer: string;
  group: string;
  lag: number;
  partitions: PartitionLag[];
  /** Dead letters ever written to the consumer's dead-letter topic. */
  deadLetters: number;
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

  constructor(
    @Inject(ConfigService) config: ConfigService,
    @Inject(DeadLettersService) private readonly letters: DeadLettersService,
  ) {
    this.kafka = kafkaConnectionFromEnv('console');
    this.prefix = config.getOrThrow<string>('KAFKA_GROUP_PREFIX');
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
