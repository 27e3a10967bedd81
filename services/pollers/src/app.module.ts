import { Module } from '@nestjs/common';

import { PlatformModule } from '@switchboard/platform';

import { CrmOpportunitiesEnv } from './config/crm-opportunities.env';
import { PollersEnv } from './config/pollers.env';
import { PollersModule } from './pollers.module';
import { pollersService } from './service.definition';

@Module({
  imports: [
    PlatformModule.forService(pollersService, { env: [PollersEnv, CrmOpportunitiesEnv] }),
    PollersModule,
  ],
})
export class AppModule {}
