import type { ServiceDefinition } from '@switchboard/platform';

import { SegmentsTables1763864000000 } from './migrations/1763864000000-SegmentsTables';
import { SegmentMembership } from './segments/segment-membership.entity';

export const marketingSegmentsService: ServiceDefinition = {
  name: 'marketing-segments',
  schema: 'marketing_segments',
  defaultPort: 3004,
  consumes: ['deal_won'],
  produces: ['segment_changed'],
  downstream: 'marketing',
  entities: [SegmentMembership],
  migrations: [SegmentsTables1763864000000],
};
