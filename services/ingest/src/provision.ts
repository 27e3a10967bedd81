import 'reflect-metadata';

import { runProvision } from '@switchboard/platform';

import { ingestService } from './service.definition';

runProvision(ingestService);
