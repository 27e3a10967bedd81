import {
  Inject,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import { register } from 'prom-client';
import type { DataSource } from 'typeorm';

import { deadLetterTopic, topicOf } from '@switchboard/contracts';
import { InboxTransport } from '@switchboard/inbox';
import { KafkaBatchConsumer, KafkaPublisher, kafkaConnectionFromEnv } from '@switchboard/kafka';
import { OutboxRelay, OutboxWriter } from '@switchboard/outbox';
import { shutdownTelemetry } from '@switchboard/telemetry';

import { HttpSecurityEnv, MessagingEnv, PlatformEnv, RetryEnv } from '../config/platform-env';
import { validateEnv } from '../config/validate-env';
import { serviceDataSourceOptions } from '../database/data-source-options';
import { PreparingClient } from '../database/prepared-statements';
import { HealthController } from '../health/health.controller';
import { MessagingHealth } from '../health/messaging-health';
import { loggerModule } from '../logging/logger.module';
import { registerConsumerLagMetrics } from '../metrics/consumer-lag.metrics';
import { MetricsController } from '../metrics/metrics.controller';
import {
  outboxPublished,
  outboxSetAside,
  outboxTopicMissing,
  registerOutboxBacklogMetrics,
} from '../metrics/outbox.metrics';
import { registerKafkaCaExpiryMetric, registerProcessMetrics } from '../metrics/process.metrics';
import { API_TOKENS, parseApiTokens } from '../security/api-token.guard';
import { consumerGroupOf, runsOutboxRelay, type ServiceDefinition } from './service-definition';

export const SERVICE_DEFINITION = Symbol('SERVICE_DEFINITION');

type EnvClass = new () => object;

/**
 * Starts the relay (if the service has one) with the application and stops it last, after the
 * consumer has drained; then exports the spans still buffered (the relay's last publishes among them).
 */
class RelayLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(OutboxRelay) private readonly relay: OutboxRelay | null) {}

  onApplicationBootstrap(): void {
    this.relay?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
    await shutdownTelemetry();
  }
}

/**
 * The wiring every Switchboard service shares: validated config, JSON logs, its schema-owned
 * database, the outbox and its relay, the inbox transport when it consumes, health and metrics.
 * A service module imports `PlatformModule.forService(definition)` and adds only its capabilities.
 */
@Module({})
export class PlatformModule {
  static forService(definition: ServiceDefinition, options: { env?: EnvClass[] } = {}): DynamicModule {
    const consumes = definition.consumes.length > 0;
    // Every series carries the service that exposed it (dashboards and alerts group by it).
    register.setDefaultLabels({ service: definition.name });
    registerProcessMetrics();
    // Read from the mounted CA at scrape time: the alert before the Kafka cluster CA expires.
    if (process.env.KAFKA_SSL_CA_FILE) registerKafkaCaExpiryMetric(process.env.KAFKA_SSL_CA_FILE);
    return {
      module: PlatformModule,
      global: true,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          cache: true,
          validate: validateEnv(PlatformEnv, MessagingEnv, RetryEnv, HttpSecurityEnv, ...(options.env ?? [])),
        }),
        // Used by the guards that name it (TokenThrottlerGuard), not globally; ingest counts its sources itself.
        ThrottlerModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            throttlers: [
              {
                ttl: config.getOrThrow<number>('RATE_LIMIT_WINDOW_SECONDS') * 1000,
                limit: config.getOrThrow<number>('RATE_LIMIT_MAX_REQUESTS'),
              },
            ],
          }),
        }),
        loggerModule(definition.name),
        TypeOrmModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService) =>
            serviceDataSourceOptions(
              definition,
              config.getOrThrow<string>('DATABASE_URL'),
              config.getOrThrow<number>('DATABASE_POOL_SIZE'),
              { preparedStatements: config.getOrThrow<boolean>('DATABASE_PREPARED_STATEMENTS') },
            ),
        }),
        TerminusModule,
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_DEFINITION, useValue: definition },
        {
          provide: API_TOKENS,
          inject: [ConfigService],
          useFactory: (config: ConfigService) =>
            parseApiTokens(config.get<string>(definition.apiTokensVariable ?? 'API_TOKENS') ?? ''),
        },
        { provide: OutboxWriter, useFactory: () => new OutboxWriter(definition.schema) },
        {
          provide: OutboxRelay,
          inject: [ConfigService, getDataSourceToken()],
          useFactory: (config: ConfigService, dataSource: DataSource) => {
            registerOutboxBacklogMetrics(dataSource, definition.schema);
            // Nothing ever reaches this outbox: no relay, so no connection and no producer of its own.
            if (!runsOutboxRelay(definition)) return null;
            const logger = new Logger('OutboxRelay');
            return new OutboxRelay({
              schema: definition.schema,
              databaseUrl: config.getOrThrow<string>('DATABASE_URL'),
              clientClass: config.getOrThrow<boolean>('DATABASE_PREPARED_STATEMENTS')
                ? PreparingClient
                : undefined,
              publisher: new KafkaPublisher(kafkaConnectionFromEnv(definition.name)),
              batchSize: config.getOrThrow<number>('OUTBOX_BATCH_SIZE'),
              pollIntervalMs: config.getOrThrow<number>('OUTBOX_POLL_INTERVAL_MS'),
              lingerMs: config.getOrThrow<number>('OUTBOX_LINGER_MS'),
              retentionHours: config.getOrThrow<number>('OUTBOX_RETENTION_HOURS'),
              stopTimeoutMs: config.getOrThrow<number>('OUTBOX_FLUSH_TIMEOUT_MS'),
              logger: {
                info: (message, fields) => logger.log({ ...fields, msg: message }),
                warn: (message, fields) => logger.warn({ ...fields, msg: message }),
                error: (message, fields) => logger.error({ ...fields, msg: message }),
              },
              onPublished: (messages) => {
                for (const message of messages) outboxPublished.inc({ topic: message.topic });
              },
              onSetAside: (topic) => outboxSetAside.inc({ topic }),
              onTopicMissing: (topic, missing) => outboxTopicMissing.set({ topic }, missing ? 1 : 0),
            });
          },
        },
        RelayLifecycle,
        {
          provide: InboxTransport,
          inject: [ConfigService, getDataSourceToken(), OutboxWriter],
          useFactory: (config: ConfigService, dataSource: DataSource, outbox: OutboxWriter) => {
            if (!consumes) return null;
            const group = consumerGroupOf(definition, config.getOrThrow<string>('KAFKA_GROUP_PREFIX'));
            registerConsumerLagMetrics(
              kafkaConnectionFromEnv(definition.name),
              group,
              definition.consumes.map((type) => topicOf(type)),
            );
            return new InboxTransport({
              consumerGroup: group,
              deadLetterTopic: deadLetterTopic(definition.name),
              source: `switchboard/${definition.name}`,
              schema: definition.schema,
              dataSource,
              outbox,
              maxTransactionSize: config.getOrThrow<number>('CONSUMER_MAX_TRANSACTION_SIZE'),
              retention: {
                hours: config.getOrThrow<number>('INBOX_RETENTION_HOURS'),
                sweepIntervalMs: config.getOrThrow<number>('INBOX_SWEEP_INTERVAL_MS'),
              },
              retry: {
                maxAttempts: config.getOrThrow<number>('CONSUMER_RETRY_MAX_ATTEMPTS'),
                baseDelayMs: config.getOrThrow<number>('CONSUMER_RETRY_BASE_DELAY_MS'),
                maxDelayMs: config.getOrThrow<number>('CONSUMER_RETRY_MAX_DELAY_MS'),
                authProbeIntervalMs: config.getOrThrow<number>('CONSUMER_AUTH_PROBE_INTERVAL_MS'),
                maxUnfinishedAttempts: config.getOrThrow<number>('CONSUMER_MAX_UNFINISHED_ATTEMPTS'),
              },
              consumer: new KafkaBatchConsumer(kafkaConnectionFromEnv(definition.name), {
                groupId: group,
                partitionsConsumedConcurrently: config.getOrThrow<number>('CONSUMER_PARTITION_CONCURRENCY'),
                combinePartitionsBelow: config.getOrThrow<boolean>('CONSUMER_COMBINE_PARTITIONS')
                  ? config.getOrThrow<number>('CONSUMER_MAX_TRANSACTION_SIZE')
                  : 1,
                sessionTimeoutMs: config.getOrThrow<number>('CONSUMER_SESSION_TIMEOUT_MS'),
                groupProtocol: config.getOrThrow<'consumer' | 'classic'>('CONSUMER_GROUP_PROTOCOL'),
                fetchMinBytes: config.getOrThrow<number>('CONSUMER_FETCH_MIN_BYTES'),
                fetchMaxWaitMs: config.getOrThrow<number>('CONSUMER_FETCH_MAX_WAIT_MS'),
                commitIntervalMs: config.getOrThrow<number>('CONSUMER_COMMIT_INTERVAL_MS'),
              }),
            });
          },
        },
        {
          provide: MessagingHealth,
          inject: [OutboxRelay, InboxTransport],
          useFactory: (relay: OutboxRelay | null, transport: InboxTransport | null) =>
            new MessagingHealth(relay, transport),
        },
      ],
      exports: [SERVICE_DEFINITION, OutboxWriter, InboxTransport, API_TOKENS],
    };
  }
}
