import type { ServiceDefinition } from '@switchboard/platform';

import { ConsoleAudit1764990000000 } from './migrations/1764990000000-ConsoleAudit';

/**
 * The browser console of data stewards, operators and sales: pages over the other services' APIs.
 * It consumes and produces no events; its own schema holds the audit of what its users did.
 */
export const consoleService: ServiceDefinition = {
  name: 'console',
  schema: 'console',
  defaultPort: 3006,
  consumes: [],
  produces: [],
  entities: [],
  migrations: [ConsoleAudit1764990000000],
};
