import type { EventType } from '@switchboard/contracts';
import type { DownstreamKind } from '@switchboard/downstream';

/**
 * Everything the platform needs to know about a service: the schema it owns, the events it consumes
 * and produces (which also decides its topics and, later, its Kafka ACLs), its entities and
 * migrations.
 */
export interface ServiceDefinition {
  name: string;
  schema: string;
  defaultPort: number;
  consumes: readonly EventType[];
  produces: readonly EventType[];
  /** The downstream system kind this consumer writes its effect to (its connector's name). */
  downstream?: DownstreamKind;
  /**
   * One active replica elected by an advisory lock (the pollers): a fixed number of replicas, the
   * others standbys that take over when the leader dies, and no autoscaler (more add no throughput).
   */
  leaderElected?: { replicas: number };
  /** The variable holding its API tokens (default `API_TOKENS`, see HttpSecurityEnv). */
  apiTokensVariable?: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: Function[];
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: Function[];
}

/**
 * Whether the service runs the outbox relay (its own PostgreSQL connection for LISTEN and the
 * advisory lock, and a Kafka producer): only when something reaches its outbox, the events it
 * produces or, for a consumer, its dead letters. The pollers and the console have neither; the
 * manifests' connection budget counts the relay by the same rule (scripts/generate-k8s.ts).
 */
export function runsOutboxRelay(definition: Pick<ServiceDefinition, 'consumes' | 'produces'>): boolean {
  return definition.produces.length > 0 || definition.consumes.length > 0;
}

/**
 * The consumer group of a service. The prefix lets two installations (say `npm start` and
 * `npm test`) share one broker without stealing each other's partitions.
 */
export function consumerGroupOf(definition: ServiceDefinition, prefix = 'switchboard'): string {
  return `${prefix}.${definition.name}`;
}
