import type { ServiceDefinition } from '@switchboard/platform';

import { consoleService } from '../services/console/src/service.definition';
import { ALL_SERVICES } from './provision-all';

/**
 * What the manifests deploy (scripts/generate-k8s.ts, scripts/alert-rules.ts): the event backbone of
 * ALL_SERVICES and the console, the browser app over their APIs, which the test suites and
 * `npm start` provision and start on their own (test/console, libs/testing LocalCluster).
 */
export const DEPLOYED_SERVICES: readonly ServiceDefinition[] = [...ALL_SERVICES, consoleService];
