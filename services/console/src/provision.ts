import 'reflect-metadata';

import { runProvision } from '@switchboard/platform';

import { consoleService } from './service.definition';

runProvision(consoleService);
