import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { EVENT_CATALOG, dataSchemaUri, type EventDefinition, type EventMap } from './catalog';
import { compiledAcceptsEvent } from './compiled-validation';
import { CloudEventEnvelope, type CloudEvent } from './envelope';
import { isEventType, type EventType } from './event-type';
import {
  ContractViolation,
  VALIDATOR_OPTIONS,
  checkPayload,
  CROSS_CHECK,
  crossChecked,
  inheritedNameErrors,
  isPlainObject,
  toFieldErrors,
  type FieldError,
} from './validation';

export { CloudEventEnvelope, type CloudEvent };

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
 *
 * The compiled validator decides; class-validator runs only to name the fields of a refused event.
 */
export function parseCloudEvent(raw: unknown): CloudEvent {
  const input = decode(raw);
  if (!isPlainObject(input))
    throw new ContractViolation([{ field: '$', message: 'event must be a JSON object' }]);
  const accepted = isEventType(input.type) && compiledAcceptsEvent(input.type, input);
  return crossChecked(
    'event',
    accepted,
    () => parseWithClassValidator(input),
    () => toEvent(input),
  );
}

function toEvent(input: Record<string, unknown>): CloudEvent {
  const event = input as unknown as CloudEvent;
  return {
    specversion: event.specversion,
    id: event.id,
    source: event.source,
    type: event.type,
    subject: event.subject,
    time: event.time,
    datacontenttype: 'application/json',
    ...(event.dataschema != null && { dataschema: event.dataschema }),
    ...(event.traceparent != null && { traceparent: event.traceparent }),
    ...(event.tracestate != null && { tracestate: event.tracestate }),
    data: event.data,
  };
}

/** class-validator alone: names every wrong field (exported for the validators' agreement test). */
export function parseWithClassValidator(input: Record<string, unknown>): CloudEvent {
  const inherited = inheritedNameErrors(input);
  if (inherited.length > 0) throw new ContractViolation(inherited);
  const envelope = plainToInstance(CloudEventEnvelope, input);
  const errors: FieldError[] = toFieldErrors(validateSync(envelope, VALIDATOR_OPTIONS));
  const payload = isEventType(input.type) ? checkPayload(input.type, input.data, 'data') : undefined;
  if (payload && !errors.some((e) => e.field === 'data')) errors.push(...payload.errors);
  if (errors.length > 0 || payload?.value === undefined) throw new ContractViolation(errors);
  return toEvent({ ...envelope, data: payload.value });
}

interface EventArgs<T extends EventType> {
  id: string;
  source: string;
  type: T;
  data: EventMap[T];
  time?: Date;
  traceparent?: string;
  tracestate?: string;
}

/**
 * Builds and validates an event (throws ContractViolation), so nothing off-contract reaches the outbox.
 * subject, dataschema, specversion and datacontenttype come from the catalog. For data that does not
 * come from our own code (a test's, a file's); our own result events use `composeCloudEvent`.
 */
export function buildCloudEvent<T extends EventType>(args: EventArgs<T>): CloudEvent<T> {
  return parseCloudEvent(envelopeOf(args)) as CloudEvent<T>;
}

/**
 * An event our own code builds from data typed at compile time (a consumer's result event, ingest's
 * already validated payload): assembled, not validated again on the hot path. The test suites
 * (CONTRACTS_CROSS_CHECK=true) validate every one, so a builder that drifts off its contract fails
 * there.
 */
export function composeCloudEvent<T extends EventType>(args: EventArgs<T>): CloudEvent<T> {
  const envelope = envelopeOf(args);
  if (CROSS_CHECK) return parseCloudEvent(envelope) as CloudEvent<T>;
  return toEvent(envelope) as CloudEvent<T>;
}

function envelopeOf<T extends EventType>(args: EventArgs<T>) {
  const definition = EVENT_CATALOG[args.type];
  return {
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
  };
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
