import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, Length } from 'class-validator';

import { EVENT_TYPES, IsRfc3339, type EventType } from '@switchboard/contracts';

/** What a source system posts; ingest wraps it into the CloudEvent that goes to Kafka. */
export class IngestEventDto {
  /** The source's own id for this event: re-sending the same id is safe (same answer, one message). */
  @ApiProperty({ minLength: 1, maxLength: 200, description: "The source's own event id (idempotency key)" })
  @IsString()
  @Length(1, 200)
  id!: string;

  @ApiProperty({ enum: EVENT_TYPES })
  @IsIn(EVENT_TYPES)
  type!: EventType;

  /** When it happened in the source (RFC 3339); defaults to the time ingest received it. */
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'RFC 3339; defaults to the time ingest received it',
  })
  @IsOptional()
  @IsRfc3339()
  time?: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The payload of the event type (its schema in libs/contracts), validated by type',
  })
  @IsObject()
  data!: Record<string, unknown>;
}
