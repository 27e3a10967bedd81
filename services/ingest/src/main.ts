// Tracing first: it instruments http, express and pg, so it must load before them.
import './instrumentation';
import 'reflect-metadata';

import { bootstrapService } from '@switchboard/platform';

import { AppModule } from './app.module';
import { IngestErrorFilter } from './events/ingest-error.filter';
import { ingestService } from './service.definition';

// Global, so body-parser refusals (bad JSON, too large) get the same error format as the API's own.
void bootstrapService(ingestService, AppModule, { filters: [new IngestErrorFilter()] });
