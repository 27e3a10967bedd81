/* eslint-disable @typescript-eslint/no-explicit-any -- the tests bend events into invalid shapes on purpose */
import { EVENT_CATALOG } from './catalog';
import { buildCloudEvent, exampleCloudEvent, parseCloudEvent } from './cloud-event';
import { isTraceparent } from './decorators';
import { EVENT_TYPES } from './event-type';
import { ContractViolation, type FieldError } from './validation';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function violations(raw: unknown): FieldError[] {
  try {
    parseCloudEvent(raw);
  } catch (error) {
    if (error instanceof ContractViolation) return error.errors;
    throw error;
  }
  throw new Error('expected a ContractViolation');
}

function wire(overrides: Record<string, unknown> = {}): Record<string, any> {
  const event = JSON.parse(JSON.stringify(exampleCloudEvent('deal_won'))) as Record<string, any>;
  return { ...event, ...overrides };
}

describe('buildCloudEvent', () => {
  it('fills the envelope from the catalog', () => {
    const event = buildCloudEvent({
      id: 'evt-1',
      source: '/switchboard/ingest/crm',
      type: 'deal_won',
      data: EVENT_CATALOG.deal_won.example,
      time: new Date('2025-03-14T09:30:00.123Z'),
      traceparent: TRACEPARENT,
      tracestate: 'vendor=abc',
    });
    expect(event).toEqual({
      specversion: '1.0',
      id: 'evt-1',
      source: '/switchboard/ingest/crm',
      type: 'deal_won',
      subject: 'D-1001',
      time: '2025-03-14T09:30:00.123Z',
      datacontenttype: 'application/json',
      dataschema: 'urn:switchboard:schema:deal_won:v1',
      traceparent: TRACEPARENT,
      tracestate: 'vendor=abc',
      data: EVENT_CATALOG.deal_won.example,
    });
    // The validated JSON itself: a copy into class instances cost more than the whole check.
    expect(Object.getPrototypeOf(event.data)).toBe(Object.prototype);
  });

  it('omits absent trace context and defaults time to now', () => {
    const before = Date.now();
    const event = buildCloudEvent({
      id: 'e',
      source: 's',
      type: 'ticket_escalated',
      data: EVENT_CATALOG.ticket_escalated.example,
    });
    expect(event).not.toHaveProperty('traceparent');
    expect(event).not.toHaveProperty('tracestate');
    expect(Date.parse(event.time)).toBeGreaterThanOrEqual(before);
  });

  it('refuses to build an event that breaks the contract', () => {
    const data = { ...EVENT_CATALOG.invoice_paid.example, amount: { currency: 'JPY', amount: '1.5' } };
    expect(() => buildCloudEvent({ id: '', source: 's', type: 'invoice_paid', data })).toThrow(
      ContractViolation,
    );
    try {
      buildCloudEvent({ id: '', source: 's', type: 'invoice_paid', data });
    } catch (error) {
      expect((error as ContractViolation).errors.map((e) => e.field)).toEqual(['id', 'data.amount.amount']);
    }
  });
});

describe('parseCloudEvent', () => {
  it.each(EVENT_TYPES)('round-trips %s through JSON', (type) => {
    const built = exampleCloudEvent(type);
    const json = JSON.stringify(built);
    const parsed = parseCloudEvent(JSON.parse(json));
    expect(parsed).toEqual(built);
    expect(parsed.data).toEqual(EVENT_CATALOG[type].example);
    expect(JSON.stringify(parsed)).toBe(json);
  });

  it('accepts the raw message value as string or Buffer', () => {
    const json = JSON.stringify(exampleCloudEvent('segment_changed'));
    expect(parseCloudEvent(json)).toEqual(JSON.parse(json));
    expect(parseCloudEvent(Buffer.from(json))).toEqual(JSON.parse(json));
    expect(violations('{not json')).toEqual([{ field: '$', message: 'event is not valid JSON' }]);
  });

  it('fills datacontenttype when the producer left it out', () => {
    const raw = wire();
    delete raw.datacontenttype;
    expect(parseCloudEvent(raw).datacontenttype).toBe('application/json');
  });

  it('names every wrong envelope attribute and payload field, payload paths prefixed with data.', () => {
    const raw = wire({
      specversion: '0.3',
      id: '',
      time: 'yesterday',
      subject: undefined,
      extra: 1,
    });
    raw.data.lines[0].unitPrice = '12.345';
    raw.data.foo = 'bar';
    expect(
      violations(raw)
        .map((e) => e.field)
        .sort(),
    ).toEqual(
      ['data.foo', 'data.lines[0].unitPrice', 'extra', 'id', 'specversion', 'subject', 'time'].sort(),
    );
  });

  it('names an unknown type without guessing at the payload', () => {
    expect(violations(wire({ type: 'deal_lost' }))).toEqual([
      { field: 'type', message: expect.stringContaining('type must be one of the following values') },
    ]);
  });

  it.each([
    ['missing', undefined],
    ['a string', 'x'],
    ['an array', []],
  ])('rejects data that is %s once', (_, data) => {
    expect(violations(wire({ data })).map((e) => e.field)).toEqual(['data']);
  });

  it.each([null, 'null', 42, []])('rejects a non-object event %p', (raw) => {
    expect(violations(raw).map((e) => e.field)).toEqual(['$']);
  });

  it('checks the traceparent format', () => {
    expect(parseCloudEvent(wire({ traceparent: TRACEPARENT })).traceparent).toBe(TRACEPARENT);
    expect(violations(wire({ traceparent: 'abc' })).map((e) => e.field)).toEqual(['traceparent']);
    expect(violations(wire({ tracestate: 'x'.repeat(513) })).map((e) => e.field)).toEqual(['tracestate']);
  });
});

describe('isTraceparent', () => {
  it.each([
    [TRACEPARENT, true],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00', true],
    ['01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', true],
    ['ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', false],
    ['00-00000000000000000000000000000000-00f067aa0ba902b7-01', false],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', false],
    ['00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01', false],
    ['00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01', false],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7', false],
    [42, false],
  ])('%p -> %p', (value, valid) => {
    expect(isTraceparent(value)).toBe(valid);
  });
});
