import { Module } from '@nestjs/common';

import { DealWonConsumer } from './deal-won.consumer';
import { OnboardingTicketsController } from './onboarding-tickets.controller';
import { OnboardingTicketsService } from './onboarding-tickets.service';

@Module({
  controllers: [OnboardingTicketsController, DealWonConsumer],
  providers: [OnboardingTicketsService],
})
export class OnboardingTicketsModule {}
