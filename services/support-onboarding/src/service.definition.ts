import type { ServiceDefinition } from '@switchboard/platform';

import { SupportOnboardingTables1763863000000 } from './migrations/1763863000000-SupportOnboardingTables';
import { OnboardingTicket } from './onboarding-tickets/onboarding-ticket.entity';

export const supportOnboardingService: ServiceDefinition = {
  name: 'support-onboarding',
  schema: 'support_onboarding',
  defaultPort: 3003,
  consumes: ['deal_won'],
  produces: ['onboarding_ticket_created'],
  downstream: 'support',
  entities: [OnboardingTicket],
  migrations: [SupportOnboardingTables1763863000000],
};
