import { Module } from '@nestjs/common';

import { ConnectorModule, connectorEnvClasses } from '@switchboard/connectors';
import { PlatformModule } from '@switchboard/platform';

import { OnboardingTicketsModule } from './onboarding-tickets/onboarding-tickets.module';
import { supportOnboardingService } from './service.definition';

@Module({
  imports: [
    PlatformModule.forService(supportOnboardingService, { env: connectorEnvClasses('support') }),
    ConnectorModule.forDownstream('support'),
    OnboardingTicketsModule,
  ],
})
export class AppModule {}
