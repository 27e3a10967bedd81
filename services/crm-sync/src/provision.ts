import 'reflect-metadata';

import { runProvision } from '@switchboard/platform';

import { crmSyncService } from './service.definition';

runProvision(crmSyncService);
