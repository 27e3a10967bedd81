import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';

import { SignedBodyMiddleware } from '../auth/signed-body.middleware';
import { SourceAuthGuard } from '../auth/source-auth.guard';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { LedgerWriter } from './ledger-writer';

@Module({ controllers: [EventsController], providers: [EventsService, LedgerWriter, SourceAuthGuard] })
export class EventsModule implements NestModule {
  /** Raw bytes, signature and rate limit before any JSON is parsed (the service's body parser is off). */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(SignedBodyMiddleware).forRoutes({ path: 'v1/events', method: RequestMethod.POST });
  }
}
