import 'reflect-metadata';

import { runProvision } from '@switchboard/platform';

import { nullConsumerService } from './service.definition';

// Run by bench/run.sh after provision-all.js: schema, the platform's outbox and inbox migrations
// (serviceDataSourceOptions adds them) and the topics, as a real service's provision.ts does.
runProvision(nullConsumerService);
