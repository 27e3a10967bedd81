import type { ServiceDefinition } from '@switchboard/platform';

import { PollerCheckpoints1765000000000 } from './migrations/1765000000000-PollerCheckpoints';

/**
 * The pollers watch systems that cannot call ingest themselves (Tryton, Request Tracker) and post
 * their changes to ingest like any source: they consume and produce no topic of their own.
 */
export const pollersService: ServiceDefinition = {
  name: 'pollers',
  schema: 'pollers',
  defaultPort: 3009,
  // One replica polls; the second waits to take over (scripts/generate-k8s.ts: no autoscaler).
  leaderElected: { replicas: 2 },
  consumes: [],
  produces: [],
  entities: [],
  migrations: [PollerCheckpoints1765000000000],
};
