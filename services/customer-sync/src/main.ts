// Tracing first: it instruments http, express and pg, so it must load before them.
import './instrumentation';
import 'reflect-metadata';
import './config/env-defaults';

import { bootstrapService } from '@switchboard/platform';

import { AppModule } from './app.module';
import { loadOwnershipOrExit } from './config/ownership.provider';
import { customerSyncService } from './service.definition';

// The ownership file is checked before anything starts, so a wrong file stops the service with a
// readable list of problems instead of a stack trace.
loadOwnershipOrExit();
void bootstrapService(customerSyncService, AppModule);
