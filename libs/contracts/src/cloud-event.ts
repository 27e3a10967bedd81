import { plainToInstance } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, MaxLength, validateSync } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { EVENT_CATALOG, dataSchemaUri, type EventDefinition, type EventMap } from './catalog';
import { IsRfc3339, IsTraceparent, MaxLen, OptionalText, RequiredText } from './decorators';
import { EVENT_TYPES, isEventType, type EventType } from './event-type';
import {
  ContractViolation,
  VALIDATOR_OPTIONS,
  checkPayload,
  isPlainObject,
  toFieldErrors,
  type FieldError,
} from './validation';

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

  @IsOptional()
  @IsString()
  @MaxLength(512)
  tracestate?: string | null;

  @IsObject()
  data!: object;
}

function decode(raw: unknown): unknown {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : raw;
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ContractViolation([{ field: '$', message: 'event is not valid JSON' }]);
  }
}

/**
 * Validates the envelope and the payload for its type, reporting every wrong field at once ('data.'-prefixed
 * for the payload). Accepts the parsed JSON object or the raw message value (string or Buffer). Unknown
 * envelope attributes are rejected like unknown payload fields.
 */
export function parseCloudEvent(raw: unknown): CloudEvent {
  const input = decode(raw);
  if (!isPlainObject(input))
    throw new ContractViolation([{ field: '$', message: 'event must be a JSON object' }]);

  const envelope = plainToInstance(CloudEventEnvelope, input);
  const errors: FieldError[] = toFieldErrors(validateSync(envelope, VALIDATOR_OPTIONS));
  const payload = isEventType(input.type) ? checkPayload(input.type, input.data, 'data') : undefined;
  if (payload && !errors.some((e) => e.field === 'data')) errors.push(...payload.errors);
  if (errors.length > 0 || payload?.value === undefined) throw new ContractViolation(errors);

  return {
    specversion: envelope.specversion,
    id: envelope.id,
    source: envelope.source,
    type: envelope.type,
    subject: envelope.subject,
    time: envelope.time,
    datacontenttype: 'application/json',
    ...(envelope.dataschema != null && { dataschema: envelope.dataschema }),
    ...(envelope.traceparent != null && { traceparent: envelope.traceparent }),
    ...(envelope.tracestate != null && { tracestate: envelope.tracestate }),
    data: payload.value,
  };
}

/**
 * Builds and validates an event (throws ContractViolation), so nothing off-contract reaches the outbox.
 * subject, dataschema, specversion and datacontenttype come from the catalog; `data` in the result is the
 * validated payload instance.
 */
export function buildCloudEvent<T extends EventType>(args: {
  id: string;
  source: string;
  type: T;
  data: EventMap[T];
  time?: Date;
  traceparent?: string;
  tracestate?: string;
}): CloudEvent<T> {
  const definition = EVENT_CATALOG[args.type];
  return parseCloudEvent({
    specversion: '1.0',
    id: args.id,
    source: args.source,
    type: args.type,
    subject: definition.subject(args.data),
    time: (args.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    dataschema: dataSchemaUri(args.type),
    traceparent: args.traceparent,
    tracestate: args.tracestate,
    data: args.data,
  }) as CloudEvent<T>;
}

/** The catalog example wrapped in a complete, valid envelope with fixed id, time and trace context. */
export function exampleCloudEvent<T extends EventType>(type: T): CloudEvent<T> {
  const definition: EventDefinition<T> = EVENT_CATALOG[type];
  return buildCloudEvent({
    id: '7f1c2a9e-3b4d-4e5f-8a6b-1c2d3e4f5a6b',
    source: '/switchboard/examples',
    type,
    data: definition.example,
    time: new Date('2025-03-14T09:30:00Z'),
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  });
}
