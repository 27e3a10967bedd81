import { isKafkaClientError } from '@switchboard/kafka';

/**
 * Failures worth retrying as they are: the database or the network, not the event. Everything else
 * is a property of the event and retrying it would block its partition forever.
 */
const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

// SQLSTATE classes: 08 connection exception, 53 insufficient resources, 57 operator intervention
// (e.g. admin shutdown), 40001 serialization failure, 40P01 deadlock.
const TRANSIENT_SQLSTATE = /^(08|53|57)|^40001$|^40P01$/;

// TypeORM's answers when the connection under a query runner went away mid-transaction (the server
// terminated the backend): the next attempt gets a fresh connection.
const TRANSIENT_ERROR_NAMES = new Set([
  'QueryRunnerProviderAlreadyReleasedError',
  'QueryRunnerAlreadyReleasedError',
  'ConnectionIsNotSetError',
]);

export function isTransient(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error)) return false;
  if (TRANSIENT_ERROR_NAMES.has(error.name)) return true;
  // Wrapped failures (TypeORM's QueryFailedError keeps the driver error as `driverError`, others `cause`).
  const inner = (error as { driverError?: unknown }).driverError ?? error.cause;
  if (depth < 3 && inner && inner !== error && isTransient(inner, depth + 1)) return true;
  // The Kafka client's own errors (a rebalance during a heartbeat, a lost broker) are never the event's fault.
  if (isKafkaClientError(error)) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (TRANSIENT_NODE_CODES.has(code) || TRANSIENT_SQLSTATE.test(code)))
    return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|Client was closed and is not queryable/i.test(
    error.message,
  );
}
