import { ApiProperty } from '@nestjs/swagger';

import { EVENT_TYPES, type EventType } from '@switchboard/contracts';

import type { Accepted } from '../events.service';

/** The 202 answer: the event is in the outbox and will reach Kafka (EventsService's Accepted). */
export class AcceptedDto implements Accepted {
  @ApiProperty({
    format: 'uuid',
    description: 'The CloudEvent id, derived from the source and its own event id',
  })
  id!: string;

  @ApiProperty({ enum: EVENT_TYPES })
  type!: EventType;

  @ApiProperty({ description: 'The Kafka topic the event goes to', example: 'switchboard.deal_won.v1' })
  topic!: string;

  @ApiProperty({
    description: 'true when this source event id was accepted before (same answer, one message)',
  })
  duplicate!: boolean;
}
