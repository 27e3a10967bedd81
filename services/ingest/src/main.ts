// Tracing first: it instruments http, express and pg, so it must load before them.
import './instrumentation';
import 'reflect-metadata';
import './config/env-defaults';

import { bootstrapService } from '@switchboard/platform';

import { AppModule } from './app.module';
import { SOURCE_AUTH_SCHEMES } from './auth/source-auth.openapi';
import { IngestErrorFilter } from './events/ingest-error.filter';
import { ingestService } from './service.definition';

// Global, so refusals of the body (too large, unsigned, rate-limited, bad JSON) get the API's error
// format. The body parser is off: SignedBodyMiddleware checks the signature before parsing.
void bootstrapService(ingestService, AppModule, {
  filters: [new IngestErrorFilter()],
  bodyParser: false,
  openApi: { securitySchemes: SOURCE_AUTH_SCHEMES },
});
