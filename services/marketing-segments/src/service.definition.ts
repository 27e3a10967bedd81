import type { ServiceDefinition } from '@switchboard/platform';

import { SegmentsTables1763864000000 } from './migrations/1763864000000-SegmentsTables';
import { ContactAccounts1796600000000 } from './migrations/1796600000000-ContactAccounts';
import { ContactAccount } from './segments/contact-account.entity';
import { SegmentMembership } from './segments/segment-membership.entity';

export const marketingSegmentsService: ServiceDefinition = {
  name: 'marketing-segments',
  schema: 'marketing_segments',
  defaultPort: 3004,
  consumes: ['deal_won', 'invoice_paid', 'ticket_escalated'],
  produces: ['segment_changed'],
  downstream: 'marketing',
  entities: [SegmentMembership, ContactAccount],
  migrations: [SegmentsTables1763864000000, ContactAccounts1796600000000],
};
