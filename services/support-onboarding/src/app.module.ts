import { Module } from '@nestjs/common';

import { PlatformModule } from '@switchboard/platform';

import { OnboardingTicketsModule } from './onboarding-tickets/onboarding-tickets.module';
import { supportOnboardingService } from './service.definition';

@Module({ imports: [PlatformModule.forService(supportOnboardingService), OnboardingTicketsModule] })
export class AppModule {}
