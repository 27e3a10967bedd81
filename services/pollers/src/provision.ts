import 'reflect-metadata';

import { runProvision } from '@switchboard/platform';

import { pollersService } from './service.definition';

runProvision(pollersService);
