import { IsIn, IsObject, IsOptional } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import type { EventMap } from './catalog';
import { IsRfc3339, IsTraceparent, MaxLen, OptionalText, RequiredText } from './decorators';
import { EVENT_TYPES, type EventType } from './event-type';

/** CloudEvents 1.0 in structured JSON mode, plus the W3C trace context of the distributed tracing extension. */
export interface CloudEvent<T extends EventType = EventType> {
  specversion: '1.0';
  id: string;
  source: string;
  type: T;
  subject: string;
  /** RFC 3339. */
  time: string;
  datacontenttype: 'application/json';
  dataschema?: string;
  traceparent?: string;
  tracestate?: string;
  data: EventMap[T];
}

/** The envelope attributes as a validated class; the payload in `data` is validated per type. */
@JSONSchema({ description: 'CloudEvents 1.0 envelope (structured JSON mode) with W3C trace context.' })
export class CloudEventEnvelope {
  @IsIn(['1.0'])
  specversion!: '1.0';

  /** Unique per source; consumers deduplicate on (source, id). */
  @RequiredText()
  id!: string;

  @RequiredText(MaxLen.uri)
  source!: string;

  @IsIn(EVENT_TYPES)
  type!: EventType;

  @RequiredText()
  subject!: string;

  @IsRfc3339()
  time!: string;

  /** Optional on the wire (structured mode implies JSON); always filled in by parseCloudEvent. */
  @IsOptional()
  @IsIn(['application/json'])
  datacontenttype?: 'application/json' | null;

  @OptionalText(MaxLen.uri)
  dataschema?: string | null;

  @IsOptional()
  @IsTraceparent()
  traceparent?: string | null;

  @OptionalText(512)
  tracestate?: string | null;

  @IsObject()
  data!: object;
}
