import { Module } from '@nestjs/common';

import { PlatformModule } from '@switchboard/platform';

import { SegmentsModule } from './segments/segments.module';
import { marketingSegmentsService } from './service.definition';

@Module({ imports: [PlatformModule.forService(marketingSegmentsService), SegmentsModule] })
export class AppModule {}
