import { Module } from '@nestjs/common';

import { PlatformModule } from '@switchboard/platform';

import { IngestEnv } from './config/ingest.env';
import { EventsModule } from './events/events.module';
import { ingestService } from './service.definition';

@Module({ imports: [PlatformModule.forService(ingestService, { env: [IngestEnv] }), EventsModule] })
export class AppModule {}
