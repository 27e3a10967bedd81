// Tracing first: it instruments http, express and pg, so it must load before them.
import './instrumentation';
import 'reflect-metadata';

import { bootstrapService } from '@switchboard/platform';

import { AppModule } from './app.module';
import { CONSOLE_AUTH_SCHEMES } from './auth/console-auth.openapi';
import { consoleService } from './service.definition';

// /docs describes the JSON API with the console's own credentials: the session cookie (with its CSRF
// header) or the OIDC proxy's identity.
void bootstrapService(consoleService, AppModule, { openApi: { securitySchemes: CONSOLE_AUTH_SCHEMES } });
