import { Module } from '@nestjs/common';

import { ConnectorModule, connectorEnvClasses } from '@switchboard/connectors';
import { PlatformModule } from '@switchboard/platform';

import { SegmentsModule } from './segments/segments.module';
import { marketingSegmentsService } from './service.definition';

@Module({
  imports: [
    PlatformModule.forService(marketingSegmentsService, { env: connectorEnvClasses('marketing') }),
    ConnectorModule.forDownstream('marketing'),
    SegmentsModule,
  ],
})
export class AppModule {}
