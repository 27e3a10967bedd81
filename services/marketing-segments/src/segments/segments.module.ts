import { Module } from '@nestjs/common';

import { DealWonConsumer } from './deal-won.consumer';
import { SegmentsController } from './segments.controller';
import { SegmentsService } from './segments.service';

@Module({ controllers: [SegmentsController, DealWonConsumer], providers: [SegmentsService] })
export class SegmentsModule {}
