import 'reflect-metadata';

import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import fc from 'fast-check';

import { EVENT_CATALOG, EVENT_TYPES, compileClassValidator } from '@switchboard/contracts';

import { IngestEventDto } from './ingest-event.dto';

// Ingest checks a request's envelope with the check compiled from IngestEventDto, and runs
// class-validator only to name the fields of a refusal. Both must give the same verdict on every body.

const compiled = compileClassValidator<IngestEventDto>(IngestEventDto);
const withClassValidator = (body: unknown): boolean =>
  validateSync(plainToInstance(IngestEventDto, body as object), {
    whitelist: true,
    forbidNonWhitelisted: true,
  }).length === 0;

const valid = {
  id: 'crm-4711',
  type: 'deal_won',
  time: '2025-03-14T09:30:00Z',
  data: EVENT_CATALOG.deal_won.example,
};

/** Values at the edges of each field's rules, and of the wrong types. */
const awkward = fc.oneof(
  fc.constantFrom<unknown>(
    '',
    'x',
    'x'.repeat(200),
    'x'.repeat(201),
    'deal_won',
    'deal-won',
    '2025-03-14T09:30:00Z',
    '2025-03-14T09:30:00.123+02:00',
    '2025-02-30T09:30:00Z',
    '2025-03-14',
    '2025-03-14 09:30:00',
    0,
    -1,
    1.5,
    true,
    null,
    [],
    {},
    { a: 1 },
    [{ a: 1 }],
  ),
  fc.constantFrom(...EVENT_TYPES),
  fc.string({ maxLength: 220 }),
);

describe('the compiled check of IngestEventDto', () => {
  it('accepts a valid body, with or without a time', () => {
    expect(compiled(valid)).toBe(true);
    expect(compiled({ ...valid, time: undefined })).toBe(true);
  });

  it('refuses an unknown property, a missing one, and a type outside the catalog', () => {
    expect(compiled({ ...valid, extra: 1 })).toBe(false);
    expect(compiled({ ...valid, id: undefined })).toBe(false);
    expect(compiled({ ...valid, type: 'deal_lost' })).toBe(false);
  });

  it('agrees with class-validator on every field set to an awkward value, removed, or added', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('id', 'type', 'time', 'data', 'unknown'),
        fc.option(awkward, { nil: undefined }),
        (field, value) => {
          const body: Record<string, unknown> = { ...valid };
          if (value === undefined) delete body[field];
          else body[field] = value;
          expect({ body, compiled: compiled(body) }).toEqual({ body, compiled: withClassValidator(body) });
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
