import { readFileSync } from 'node:fs';

import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';

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

export interface KafkaConnectionConfig {
  brokers: string[];
  clientId: string;
  /** Absent: plaintext. */
  ssl?: KafkaTlsConfig;
  /** Absent: no authentication. */
  sasl?: KafkaSaslConfig;
}

const SASL_MECHANISMS: readonly KafkaSaslConfig['mechanism'][] = ['scram-sha-256', 'scram-sha-512'];

/**
 * The connection of a service, from its environment:
 *
 * - `KAFKA_BROKERS` (required): `host:port,...`
 * - `KAFKA_SSL`: `true` for TLS; `KAFKA_SSL_CA_FILE`: PEM file of the CA that signed the brokers'
 *   certificates (default: the system trust store). Setting the CA file implies TLS.
 * - `KAFKA_SASL_MECHANISM`: `scram-sha-512` or `scram-sha-256` (unset: no SASL), with
 *   `KAFKA_SASL_USERNAME` and `KAFKA_SASL_PASSWORD` (both required then).
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

  if (problems.length > 0) {
    throw new Error(`Invalid Kafka configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return config;
}

type KafkaLogger = (entry: {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  extra: object;
}) => void;

/** The kafkajs options of a connection (exported for tests: nothing else should need them). */
export function kafkaClientOptions(config: KafkaConnectionConfig): KafkaConfig {
  const options: KafkaConfig = {
    clientId: config.clientId,
    brokers: config.brokers,
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, retries: 8 },
    logLevel: logLevel.WARN,
  };
  if (config.ssl) options.ssl = config.ssl.ca ? { ca: [config.ssl.ca] } : true;
  if (config.sasl) {
    const { mechanism, username, password } = config.sasl;
    options.sasl = { mechanism, username, password } as SASLOptions;
  }
  return options;
}

const PINO_LEVELS = { error: 50, warn: 40, info: 30, debug: 20 } as const;

/**
 * By default kafkajs's lines become the services' JSON lines (pino's numeric levels, `time`, `msg`)
 * naming the client (the service) as `service`, so every line of a service's log has one shape.
 */
function jsonLines(service: string): KafkaLogger {
  return ({ level, message, extra }) => {
    const fields: Record<string, unknown> = { ...extra };
    delete fields.timestamp;
    process.stdout.write(
      `${JSON.stringify({ level: PINO_LEVELS[level], time: Date.now(), service, ...fields, msg: message })}\n`,
    );
  };
}

/**
 * kafkajs logs the error a batch handler threw as it is. A database error carries the statement's
 * parameters and the server's detail (personal data: names, e-mails, key values), so an error object
 * is reduced to what identifies the failure: its name, message and code.
 */
function withoutErrorPayloads(extra: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(extra)) {
    if (value instanceof Error || (typeof value === 'object' && value !== null && 'message' in value)) {
      const { name, message, code } = value as { name?: unknown; message?: unknown; code?: unknown };
      fields[key] = { name, message, code };
    } else {
      fields[key] = value;
    }
  }
  return fields;
}

/**
 * kafkajs logs through its own logger; we route its warnings and errors into the service logger
 * (or JSON lines of the same shape) so they carry the same structure as every other line.
 */
export function createKafka(config: KafkaConnectionConfig, given?: KafkaLogger): Kafka {
  const options = kafkaClientOptions(config);
  const log = given ?? jsonLines(config.clientId);
  options.logCreator =
    () =>
    ({ level, log: entry }: LogEntry) => {
      const { message, ...extra } = entry;
      const name = level === logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : 'info';
      log({ level: name, message, extra: withoutErrorPayloads(extra) });
    };
  return new Kafka(options);
}
