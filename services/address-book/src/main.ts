// Tracing first: it instruments http, express and pg, so it must load before them.
import './instrumentation';
import 'reflect-metadata';

import { bootstrapService } from '@switchboard/platform';

import { AppModule } from './app.module';
import { addressBookService } from './service.definition';

void bootstrapService(addressBookService, AppModule);
