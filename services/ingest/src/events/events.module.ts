import { Module } from '@nestjs/common';

import { SourceAuthGuard } from '../auth/source-auth.guard';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';

@Module({ controllers: [EventsController], providers: [EventsService, SourceAuthGuard] })
export class EventsModule {}
