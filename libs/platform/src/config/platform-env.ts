import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';

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

  @Type(() => Boolean)
  @IsBoolean()
  LOG_PRETTY = false;

  @IsString()
  SERVICE_VERSION = process.env.npm_package_version ?? '0.0.0';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  DATABASE_POOL_SIZE = 10;
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

  @Type(() => Number)
  @IsInt()
  @Min(1)
  OUTBOX_RETENTION_HOURS = 72;

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

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  TOPIC_PARTITIONS = 6;

  /** A SIGKILLed consumer's partitions move to a live member after this long. */
  @Type(() => Number)
  @IsInt()
  @Min(6_000)
  @Max(300_000)
  CONSUMER_SESSION_TIMEOUT_MS = 20_000;

  @Matches(/^[a-zA-Z0-9._-]+$/, { message: 'must be a valid consumer-group prefix' })
  KAFKA_GROUP_PREFIX = 'switchboard';

  /**
   * Fault injection for the exactly-once tests only: when set to a file path that does not exist
   * yet, the consumer creates it and SIGKILLs itself right after its first database commit, before
   * committing the Kafka offset. Unset everywhere else.
   */
  @IsOptional()
  @IsString()
  FAULT_CRASH_AFTER_COMMIT_FILE?: string;
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
}

/**
 * Where a consumer writes its effect: its own tables (`builtin`, the default) or a downstream
 * REST system (`http`). Credentials come from the environment or a mounted secret file only.
 */
export class DownstreamEnv {
  /** `real`: erp and finance write to Tryton, support to Request Tracker (docs/real-systems.md). */
  @IsIn(['builtin', 'http', 'real'])
  DOWNSTREAM_MODE = 'builtin';

  @ValidateIf((env: DownstreamEnv) => env.DOWNSTREAM_MODE === 'real')
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL when DOWNSTREAM_MODE=real' })
  TRYTON_URL?: string;

  @ValidateIf((env: DownstreamEnv) => env.DOWNSTREAM_MODE === 'real')
  @IsString()
  TRYTON_DATABASE?: string;

  @ValidateIf((env: DownstreamEnv) => env.DOWNSTREAM_MODE === 'real')
  @IsString()
  TRYTON_USER?: string;

  /** Or TRYTON_PASSWORD_FILE, a mounted secret re-read at every login. No default on purpose. */
  @ValidateIf((env: DownstreamEnv) => env.DOWNSTREAM_MODE === 'real' && !env.TRYTON_PASSWORD_FILE)
  @IsString({ message: 'TRYTON_PASSWORD or TRYTON_PASSWORD_FILE is required when DOWNSTREAM_MODE=real' })
  TRYTON_PASSWORD?: string;

  @IsOptional()
  @IsString()
  TRYTON_PASSWORD_FILE?: string;

  /**
   * Who makes the Tryton invoice: the confirmed sale (`sale`, finance posts it) or finance itself
   * (`finance`, sales then make none). Both erp-orders and finance-invoicing must agree.
   */
  @IsIn(['sale', 'finance'])
  TRYTON_INVOICING = 'sale';

  @ValidateIf((env: DownstreamEnv) => env.DOWNSTREAM_MODE === 'real')
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL when DOWNSTREAM_MODE=real' })
  RT_URL?: string;

  @ValidateIf((env: DownstreamEnv) => env.DOWNSTREAM_MODE === 'real')
  @IsString()
  RT_USER?: string;

  @ValidateIf((env: DownstreamEnv) => env.DOWNSTREAM_MODE === 'real' && !env.RT_PASSWORD_FILE)
  @IsString({ message: 'RT_PASSWORD or RT_PASSWORD_FILE is required when DOWNSTREAM_MODE=real' })
  RT_PASSWORD?: string;

  @IsOptional()
  @IsString()
  RT_PASSWORD_FILE?: string;

  @IsString()
  RT_QUEUE = 'Onboarding';

  @ValidateIf((env: DownstreamEnv) => env.DOWNSTREAM_MODE === 'http')
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL when DOWNSTREAM_MODE=http' })
  DOWNSTREAM_URL?: string;

  @IsOptional()
  @IsString()
  DOWNSTREAM_TOKEN?: string;

  @IsOptional()
  @IsString()
  DOWNSTREAM_TOKEN_FILE?: string;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  DOWNSTREAM_TIMEOUT_MS = 5_000;
}
