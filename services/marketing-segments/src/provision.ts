import 'reflect-metadata';

import { runProvision } from '@switchboard/platform';

import { marketingSegmentsService } from './service.definition';

runProvision(marketingSegmentsService);
