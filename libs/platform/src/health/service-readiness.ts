/**
 * A service's own part of readiness, beside the database and Kafka (the pollers: their leader
 * election's session). Provided under SERVICE_READINESS by a global module of the service.
 */
export const SERVICE_READINESS = Symbol('SERVICE_READINESS');

export interface ServiceReadiness {
  /** The key of the check in /health/ready's answer. */
  readonly name: string;
  status(): { healthy: boolean } & Record<string, unknown>;
}
