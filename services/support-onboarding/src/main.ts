import 'reflect-metadata';

import { bootstrapService } from '@switchboard/platform';

import { AppModule } from './app.module';
import { supportOnboardingService } from './service.definition';

void bootstrapService(supportOnboardingService, AppModule);
