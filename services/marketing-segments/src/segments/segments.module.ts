import { Module } from '@nestjs/common';

import { AccountSignalsConsumer } from './account-signals.consumer';
import { DealWonConsumer } from './deal-won.consumer';
import { SegmentsController } from './segments.controller';
import { SegmentsService } from './segments.service';

@Module({
  controllers: [SegmentsController, DealWonConsumer, AccountSignalsConsumer],
  providers: [SegmentsService],
})
export class SegmentsModule {}
