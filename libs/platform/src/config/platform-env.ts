import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

import { EnvBoolean } from './env-boolean';

import { apiTokenSecrets } from '../security/api-token.guard';
import { IsSecretList } from '../security/secrets';

/** Settings every service needs. No credential has a default: DATABASE_URL must be given. */
export class PlatformEnv {
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// connection URL' })
  DATABASE_URL!: string;

  @Matches(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, { message: 'must be a comma-separated host:port list' })
  KAFKA_BROKERS!: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT?: number;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @EnvBoolean()
  LOG_PRETTY = false;

  @IsString()
  SERVICE_VERSION = process.env.npm_package_version ?? '0.0.0';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  DATABASE_POOL_SIZE = 10;

  /**
   * Statements with parameters run as named prepared statements, parsed and planned once per
   * connection. Off only behind a pooler that cannot keep them (PgBouncer in transaction mode
   * before 1.21).
   */
  @EnvBoolean()
  DATABASE_PREPARED_STATEMENTS = true;

  /** After SIGTERM the process exits by this deadline, drained or not (below the pod's grace period). */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(300_000)
  SHUTDOWN_TIMEOUT_MS = 20_000;
}

/** Outbox relay and inbox consumer tuning; the defaults hold the benchmark targets on 2 cores. */
export class MessagingEnv {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50_000)
  OUTBOX_BATCH_SIZE = 2_000;

  @Type(() => Number)
  @IsInt()
  @Min(10)
  OUTBOX_POLL_INTERVAL_MS = 1_000;

  /**
   * A woken relay waits this long before it reads, so that commits close together share one read,
   * one produce request and one mark: Kafka's own producer default (linger.ms, 5 ms since 4.0).
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000)
  OUTBOX_LINGER_MS = 5;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  OUTBOX_RETENTION_HOURS = 72;

  /** The outbox relay's flush on shutdown gives up after this long (the next active relay publishes the rest). */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(120_000)
  OUTBOX_FLUSH_TIMEOUT_MS = 5_000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  CONSUMER_MAX_TRANSACTION_SIZE = 500;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  CONSUMER_PARTITION_CONCURRENCY = 3;

  /**
   * Partitions of one topic share a batch (and a transaction) while their waiting events add up to
   * fewer than CONSUMER_MAX_TRANSACTION_SIZE: at a moderate rate spread over many partitions, one
   * transaction takes what arrived on all of them. Off: one partition per transaction.
   */
  @EnvBoolean()
  CONSUMER_COMBINE_PARTITIONS = true;

  /** A fetch is answered once the broker has this many bytes for it, or after CONSUMER_FETCH_MAX_WAIT_MS. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(52_428_800)
  CONSUMER_FETCH_MIN_BYTES = 1;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  CONSUMER_FETCH_MAX_WAIT_MS = 500;

  /**
   * Offsets go to Kafka at most this often, in one request for every partition; the inbox skips
   * what a crash or a rebalance redelivers. 0 commits after every transaction and waits for it.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60_000)
  CONSUMER_COMMIT_INTERVAL_MS = 1_000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  TOPIC_PARTITIONS = 6;

  /**
   * `consumer`: Kafka 4's group protocol (KIP-848), incremental assignment by the broker; `classic`
   * for brokers before Kafka 4.
   */
  @IsIn(['consumer', 'classic'])
  CONSUMER_GROUP_PROTOCOL: 'consumer' | 'classic' = 'consumer';

  /**
   * A SIGKILLed consumer's partitions move to a live member after this long. With the `consumer`
   * protocol the broker sets it (`group.consumer.session.timeout.ms`): give the same value (or less)
   * here, since a member silent for this long stops committing.
   */
  @Type(() => Number)
  @IsInt()
  @Min(6_000)
  @Max(300_000)
  CONSUMER_SESSION_TIMEOUT_MS = 20_000;

  @Matches(/^[a-zA-Z0-9._-]+$/, { message: 'must be a valid consumer-group prefix' })
  KAFKA_GROUP_PREFIX = 'switchboard';
}

/** Retry policy of the consumers (the request's error table). */
export class RetryEnv {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  CONSUMER_RETRY_MAX_ATTEMPTS = 8;

  @Type(() => Number)
  @IsInt()
  @Min(10)
  CONSUMER_RETRY_BASE_DELAY_MS = 1_000;

  @Type(() => Number)
  @IsInt()
  @Min(10)
  CONSUMER_RETRY_MAX_DELAY_MS = 60_000;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  CONSUMER_AUTH_PROBE_INTERVAL_MS = 30_000;

  /**
   * Times an event's handling may start and never finish (the consumer crashed, stalled past its
   * session, or lost the partition) before it is dead-lettered (`delivery_attempts_exhausted`);
   * counted in the database, so across restarts and rebalances.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  CONSUMER_MAX_UNFINISHED_ATTEMPTS = 3;

  /**
   * Inbox rows (the ids of handled events) kept this long, then deleted. It must outlast every way
   * an event can come back: the longest topic retention (a group reset re-reads it; source topics
   * keep 14 days) and the dead-letter replay window (dead-letter topics keep 30 days). 31 days.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  INBOX_RETENTION_HOURS = 744;

  /** How often each consumer deletes its inbox rows past INBOX_RETENTION_HOURS. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  INBOX_SWEEP_INTERVAL_MS = 600_000;
}

/** The HTTP side every service shares: its read API's tokens and the rate limits. */
export class HttpSecurityEnv {
  /**
   * Tokens of the read API of erp-orders, finance-invoicing, support-onboarding, address-book and
   * marketing-segments: `<name>:<role>[+<role>]:<token>`, comma-separated (customer-sync has its
   * own CUSTOMER_SYNC_API_TOKENS). Unset: the read API answers 401 to everyone (health and metrics
   * stay open).
   */
  @IsOptional()
  @Matches(/^[\w.@-]+:[\w+-]+:[^,:\s]+(,[\w.@-]+:[\w+-]+:[^,:\s]+)*$/, {
    message: 'must be <name>:<role>[+<role>]:<token>, comma-separated',
  })
  @IsSecretList(apiTokenSecrets)
  API_TOKENS?: string;

  /** Requests per window per API token (read APIs) or per source system (ingest). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_MAX_REQUESTS = 600;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3_600)
  RATE_LIMIT_WINDOW_SECONDS = 60;
}
