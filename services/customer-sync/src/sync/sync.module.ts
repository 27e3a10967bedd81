import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { ApiTokenGuard } from '@switchboard/platform';
import { ownership, ownershipPath } from '../config/ownership.provider';
import { SyncRules } from '../config/sync-rules';
import { CustomersController } from '../customers/customers.controller';
import { CustomersService } from '../customers/customers.service';
import { SyncCounters } from '../reports/sync-counters';
import { InitialLoadsController } from '../reports/initial-loads.controller';
import { SyncReportsController } from '../reports/sync-reports.controller';
import { SyncReportsService } from '../reports/sync-reports.service';
import { ReviewQueueMetrics } from '../review/review-queue.metrics';
import { ReviewController } from '../review/review.controller';
import { ReviewService } from '../review/review.service';
import { SyncConsumers } from './sync.consumers';
import { SyncEngine } from './sync-engine';
import { SyncService } from './sync.service';

@Module({
  controllers: [
    SyncConsumers,
    CustomersController,
    ReviewController,
    SyncReportsController,
    InitialLoadsController,
  ],
  providers: [
    {
      provide: SyncRules,
      inject: [ConfigService],
      useFactory: (env: ConfigService) => {
        const options = {
          echoTtlHours: env.getOrThrow<number>('CUSTOMER_SYNC_ECHO_TTL_HOURS'),
          maxFutureSkewMs: env.getOrThrow<number>('CUSTOMER_SYNC_MAX_FUTURE_SKEW_SECONDS') * 1000,
        };
        return new SyncRules(ownershipPath(), ownership(), (config) => new SyncEngine(config, options));
      },
    },
    SyncService,
    SyncCounters,
    SyncReportsService,
    CustomersService,
    ReviewService,
    ReviewQueueMetrics,
    ApiTokenGuard,
  ],
})
export class SyncModule {}
