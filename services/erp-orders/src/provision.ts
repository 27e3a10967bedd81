import 'reflect-metadata';

import { runProvision } from '@switchboard/platform';

import { erpOrdersService } from './service.definition';

runProvision(erpOrdersService);
