import 'reflect-metadata';

import { runProvision } from '@switchboard/platform';

import { customerSyncService } from './service.definition';

runProvision(customerSyncService);
