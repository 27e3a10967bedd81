import type { ServiceDefinition } from '@switchboard/platform';

/**
 * A consumer of deal_won that applies nothing (benchmark only): the platform's wiring, the inbox
 * transport and its inbox rows, with a handler that returns at once, so its rate is what the
 * transport itself allows. Its schema holds only the platform's tables (outbox, inbox).
 */
export const nullConsumerService: ServiceDefinition = {
  name: 'null-consumer',
  schema: 'bench_null_consumer',
  defaultPort: 3099,
  consumes: ['deal_won'],
  produces: [],
  entities: [],
  migrations: [],
};
