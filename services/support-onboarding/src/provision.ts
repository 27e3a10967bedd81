import 'reflect-metadata';

import { runProvision } from '@switchboard/platform';

import { supportOnboardingService } from './service.definition';

runProvision(supportOnboardingService);
