import { readFileSync } from 'node:fs';

import type { BaseOptions } from '@platformatic/kafka';

/** SASL/SCRAM credentials; PLAIN is deliberately not offered (it sends the password as is). */
export interface KafkaSaslConfig {
  mechanism: 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

/** TLS to the brokers; `ca` (PEM) replaces the system trust store, e.g. Strimzi's cluster CA. */
export interface KafkaTlsConfig {
  ca?: string;
}

/** How a producer compresses its record batches; the consumers read every one of them. */
export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface KafkaConnectionConfig {
  brokers: string[];
  clientId: string;
  /** Absent: plaintext. */
  ssl?: KafkaTlsConfig;
  /** Absent: no authentication. */
  sasl?: KafkaSaslConfig;
  /** What a producer of this connection compresses with; absent: none. */
  compression?: KafkaCompression;
}

const COMPRESSIONS: readonly KafkaCompression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

const SASL_MECHANISMS: readonly KafkaSaslConfig['mechanism'][] = ['scram-sha-256', 'scram-sha-512'];

/**
 * The connection of a service, from its environment:
 *
 * - `KAFKA_BROKERS` (required): `host:port,...`
 * - `KAFKA_SSL`: `true` for TLS; `KAFKA_SSL_CA_FILE`: PEM file of the CA that signed the brokers'
 *   certificates (default: the system trust store). Setting the CA file implies TLS.
 * - `KAFKA_SASL_MECHANISM`: `scram-sha-512` or `scram-sha-256` (unset: no SASL), with
 *   `KAFKA_SASL_USERNAME` and `KAFKA_SASL_PASSWORD` (both required then).
 * - `KAFKA_COMPRESSION`: what producers compress their batches with (unset: none).
 *
 * Every mistake is reported at once, and never with the password in the message.
 */
export function kafkaConnectionFromEnv(
  clientId: string,
  env: NodeJS.ProcessEnv = process.env,
): KafkaConnectionConfig {
  const problems: string[] = [];
  const brokers = (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  if (brokers.length === 0) problems.push('KAFKA_BROKERS is not set (comma-separated host:port list)');

  const config: KafkaConnectionConfig = { brokers, clientId: env.KAFKA_CLIENT_ID ?? clientId };

  const sslFlag = (env.KAFKA_SSL ?? '').trim().toLowerCase();
  if (sslFlag !== '' && sslFlag !== 'true' && sslFlag !== 'false') {
    problems.push('KAFKA_SSL must be true or false');
  }
  const caFile = env.KAFKA_SSL_CA_FILE?.trim();
  if (sslFlag === 'true' || (caFile && sslFlag !== 'false')) {
    config.ssl = {};
    if (caFile) {
      try {
        config.ssl.ca = readFileSync(caFile, 'utf8');
      } catch (error) {
        problems.push(
          `KAFKA_SSL_CA_FILE cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
        );
      }
    }
  } else if (caFile) {
    problems.push('KAFKA_SSL_CA_FILE is set but KAFKA_SSL=false');
  }

  const mechanism = env.KAFKA_SASL_MECHANISM?.trim().toLowerCase();
  if (mechanism) {
    const username = env.KAFKA_SASL_USERNAME ?? '';
    const password = env.KAFKA_SASL_PASSWORD ?? '';
    if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
      problems.push(`KAFKA_SASL_MECHANISM must be one of ${SASL_MECHANISMS.join(', ')}`);
    }
    if (!username) problems.push('KAFKA_SASL_USERNAME is required with KAFKA_SASL_MECHANISM');
    if (!password) problems.push('KAFKA_SASL_PASSWORD is required with KAFKA_SASL_MECHANISM');
    config.sasl = { mechanism: mechanism as KafkaSaslConfig['mechanism'], username, password };
  } else if (env.KAFKA_SASL_USERNAME || env.KAFKA_SASL_PASSWORD) {
    problems.push('KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD are set but KAFKA_SASL_MECHANISM is not');
  }

  const compression = env.KAFKA_COMPRESSION?.trim().toLowerCase();
  if (compression) {
    if ((COMPRESSIONS as readonly string[]).includes(compression)) {
      config.compression = compression as KafkaCompression;
    } else {
      problems.push(`KAFKA_COMPRESSION must be one of ${COMPRESSIONS.join(', ')}`);
    }
  }

  if (problems.length > 0) {
    throw new Error(`Invalid Kafka configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return config;
}

/** The client options of a connection, shared by producers, consumers and admin clients. */
export function kafkaClientOptions(config: KafkaConnectionConfig): BaseOptions {
  const options: BaseOptions = {
    clientId: config.clientId,
    bootstrapBrokers: config.brokers,
    connectTimeout: 5_000,
    requestTimeout: 30_000,
    timeout: 30_000,
    // Bounded retries of each request (leader elections, a broker restarting); the callers that must
    // never give up (the outbox relay) loop on top of them.
    retries: 8,
    retryDelay: (_client, _operation, attempt) => Math.min(300 * 2 ** (attempt - 1), 5_000),
  };
  // The host name is verified against the broker certificate (Node's default for tls.connect).
  if (config.ssl) options.tls = config.ssl.ca ? { ca: [config.ssl.ca] } : {};
  if (config.sasl) {
    const { mechanism, username, password } = config.sasl;
    options.sasl = {
      mechanism: mechanism === 'scram-sha-512' ? 'SCRAM-SHA-512' : 'SCRAM-SHA-256',
      username,
      password,
    };
  }
  return options;
}

const PINO_LEVELS = { error: 50, warn: 40, info: 30 } as const;

export type KafkaLogger = (level: keyof typeof PINO_LEVELS, message: string, fields?: object) => void;

/**
 * What the seam itself reports (a consumer stream that failed and is reopened, a batch handler that
 * threw) as the services' JSON lines: pino's numeric levels, `time`, `msg`, the client as `service`.
 */
export function kafkaLogger(service: string): KafkaLogger {
  return (level, message, fields = {}) => {
    process.stdout.write(
      `${JSON.stringify({ level: PINO_LEVELS[level], time: Date.now(), service, logger: 'kafka', ...withoutErrorPayloads(fields), msg: message })}\n`,
    );
  };
}

/**
 * A database error carries the statement's parameters and the server's detail (personal data: names,
 * e-mails, key values), so an error object is reduced to what identifies the failure: its name,
 * message and code.
 */
export function withoutErrorPayloads(fields: object): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Error || (typeof value === 'object' && value !== null && 'message' in value)) {
      const { name, message, code } = value as { name?: unknown; message?: unknown; code?: unknown };
      result[key] = { name, message, code };
    } else {
      result[key] = value;
    }
  }
  return result;
}

/** The Kafka client's own failures (a lost broker, a rebalance) are never an event's fault. */
export function isKafkaClientError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('PLT_KFK_');
}

/** What the client's errors may carry: the broker's error code (`apiId`) and the errors they wrap. */
export interface KafkaErrorLink {
  apiId?: unknown;
  message?: unknown;
}

/** An error and every error it wraps: the client nests the broker's in `errors` and in `cause`. */
export function kafkaErrorChain(error: unknown): KafkaErrorLink[] {
  const found: KafkaErrorLink[] = [];
  const stack = [error];
  while (stack.length > 0) {
    const current = stack.pop() as (KafkaErrorLink & { errors?: unknown[]; cause?: unknown }) | null;
    if (!current || typeof current !== 'object') continue;
    found.push(current);
    if (Array.isArray(current.errors)) stack.push(...current.errors);
    if (current.cause) stack.push(current.cause);
  }
  return found;
}
