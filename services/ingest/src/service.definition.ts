import type { ServiceDefinition } from '@switchboard/platform';

import { ReceivedEvent } from './events/received-event.entity';
import { IngestTables1763865000000 } from './migrations/1763865000000-IngestTables';

export const ingestService: ServiceDefinition = {
  name: 'ingest',
  schema: 'ingest',
  defaultPort: 3000,
  consumes: [],
  produces: ['deal_won', 'customer_updated', 'invoice_paid', 'ticket_escalated'],
  entities: [ReceivedEvent],
  migrations: [IngestTables1763865000000],
};
