import 'reflect-metadata';

import { bootstrapService } from '@switchboard/platform';

import { AppModule } from './app.module';
import { marketingSegmentsService } from './service.definition';

void bootstrapService(marketingSegmentsService, AppModule);
