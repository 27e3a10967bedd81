import fc from 'fast-check';
import { EVENT_CATALOG } from './catalog';
import { exampleCloudEvent, parseWithClassValidator } from './cloud-event';
import {
  compileClassValidator,
  compiledAcceptsEvent,
  compiledAcceptsPayload,
  enclosingObjects,
} from './compiled-validation';
import { EVENT_TYPES, type EventType } from './event-type';
import { ContractViolation, checkPayload } from './validation';

// The compiled validator must accept exactly what class-validator accepts. Random edits of every
// catalog example (a field set to an awkward value, removed, or an unknown one added) are judged by
// both; fast-check shrinks a disagreement to the smallest edit that shows it.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

function pathsOf(node: Json, at: Path = []): Path[] {
  const own = at.length > 0 ? [at] : [];
  if (Array.isArray(node)) return [...own, ...node.flatMap((item, index) => pathsOf(item, [...at, index]))];
  if (node !== null && typeof node === 'object')
    return [...own, ...Object.entries(node).flatMap(([key, value]) => pathsOf(value, [...at, key]))];
  return own;
}

type Edit =
  | { op: 'set'; path: Path; value: Json }
  | { op: 'delete'; path: Path }
  | { op: 'add'; path: Path; key: string; value: Json };

function applyEdit(root: Json, edit: Edit): void {
  const parentPath = edit.op === 'add' ? edit.path : edit.path.slice(0, -1);
  let parent: Json = root;
  for (const step of parentPath) {
    // An earlier edit may have removed or replaced what this one edits.
    if (parent === null || typeof parent !== 'object') return;
    parent = (parent as Record<string | number, Json>)[step];
  }
  if (parent === null || typeof parent !== 'object') return;
  const container = parent as Record<string | number, Json>;
  const key = edit.op === 'add' ? edit.key : edit.path[edit.path.length - 1];
  // JSON has no named keys on an array, nor indexes on an object (an earlier edit may have
  // replaced the one by the other).
  if (Array.isArray(container) !== (typeof key === 'number')) return;
  if (edit.op === 'delete') {
    if (Array.isArray(container)) container.splice(key as number, 1);
    else delete container[key];
    return;
  }
  // A copy: a later edit may reach into the value, and fast-check still needs it as generated.
  container[key] = structuredClone(edit.value);
}

const long = (unit: string) => fc.integer({ min: 0, max: 330 }).map((n) => unit.repeat(n));

/** Values near every rule's edge: lengths, decimals, dates, codes, e-mails, wrong types. */
const awkward: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    '',
    ' ',
    '\t',
    'x',
    'EUR',
    'JPY',
    'KWD',
    'XXX',
    'eur',
    'DE',
    'de',
    'ZZ',
    'GB',
    'UK',
    '2025-03-14T09:30:00Z',
    '2025-03-14T09:30:00.123+02:00',
    '2025-02-29T00:00:00Z',
    '2024-02-29T23:59:60Z',
    '2025-03-14',
    '2025-02-30',
    '2025-3-14',
    'a@example.com',
    'not an e-mail',
    'a@b',
    'ä@exämple.de',
    '0',
    '1',
    '-1',
    '12.5',
    '12.50',
    '12.345',
    '12.3456',
    '1.23456789',
    '1e3',
    '00.5',
    '.5',
    '5.',
    '100',
    '100.00001',
    '99.9999',
    '-0',
    '999999999',
    '1000000000',
    '0.0001',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    'application/json',
    'text/plain',
    '1.0',
    '2.0',
    'deal_won',
    'customer_updated',
    0,
    1,
    -1,
    1.5,
    100,
    101,
    2 ** 53,
    true,
    false,
    null,
    [],
    {},
  ),
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.stringMatching(/^-?\d{1,30}(\.\d{1,10})?$/),
  long('x'),
  long('é'),
  long('\u{1F600}'),
  long('\uFE0F'),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), fc.integer()), { maxKeys: 3 }),
);

function editsOf(example: Json): fc.Arbitrary<Edit[]> {
  const paths = pathsOf(example);
  const objects = [
    [] as Path,
    ...paths.filter((path) => {
      let node: Json = example;
      for (const step of path) node = (node as Record<string | number, Json>)[step];
      return node !== null && typeof node === 'object' && !Array.isArray(node);
    }),
  ];
  const edit: fc.Arbitrary<Edit> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        op: fc.constant('set' as const),
        path: fc.constantFrom(...paths),
        value: awkward,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant('delete' as const), path: fc.constantFrom(...paths) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('add' as const),
        path: fc.constantFrom(...objects),
        key: fc.oneof(
          fc.string({ maxLength: 12 }),
          fc.constantFrom('constructor', 'toString', 'hasOwnProperty'),
        ),
        value: awkward,
      }),
    },
  );
  return fc.array(edit, { minLength: 1, maxLength: 3 });
}

function classValidatorAccepts(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (error) {
    if (error instanceof ContractViolation) return false;
    throw error;
  }
}

// About a second per type on a quiet core; the margin is for a busy machine.
jest.setTimeout(60_000);

const RUNS = 1_500;

describe('the compiled validator agrees with class-validator', () => {
  it.each(EVENT_TYPES)('%s events: accepted and refused alike under random edits', (type: EventType) => {
    const example = JSON.parse(JSON.stringify(exampleCloudEvent(type))) as Json;
    let accepted = 0;
    fc.assert(
      fc.property(editsOf(example), (edits) => {
        const input = structuredClone(example) as Record<string, Json>;
        edits.forEach((edit) => applyEdit(input, edit));
        const compiled = compiledAcceptsEvent(type, input);
        if (compiled) accepted += 1;
        expect({ edits, compiled }).toEqual({
          edits,
          compiled: classValidatorAccepts(() => parseWithClassValidator(input)),
        });
      }),
      { numRuns: RUNS },
    );
    // The edits must reach both verdicts, or the agreement would be shown on refusals alone.
    expect(accepted).toBeGreaterThan(RUNS / 50);
    expect(accepted).toBeLessThan(RUNS - RUNS / 50);
  });

  it.each(EVENT_TYPES)('%s payloads alone: accepted and refused alike', (type: EventType) => {
    const example = JSON.parse(JSON.stringify(EVENT_CATALOG[type].example)) as Json;
    fc.assert(
      fc.property(editsOf(example), (edits) => {
        const data = structuredClone(example);
        edits.forEach((edit) => applyEdit(data, edit));
        expect({ edits, compiled: compiledAcceptsPayload(type, data) }).toEqual({
          edits,
          compiled: checkPayload(type, structuredClone(data)).value !== undefined,
        });
      }),
      { numRuns: RUNS / 3 },
    );
  });

  // The generic form a service compiles its own request classes with; deal_won's payload nests money
  // amounts, which look up the currency of an enclosing object.
  it('compileClassValidator: a payload class compiled alone judges like class-validator', () => {
    const acceptsDealWon = compileClassValidator(EVENT_CATALOG.deal_won.payload);
    const example = JSON.parse(JSON.stringify(EVENT_CATALOG.deal_won.example)) as Json;
    expect(acceptsDealWon(structuredClone(example))).toBe(true);
    fc.assert(
      fc.property(editsOf(example), (edits) => {
        const data = structuredClone(example);
        edits.forEach((edit) => applyEdit(data, edit));
        expect({ edits, compiled: acceptsDealWon(data) }).toEqual({
          edits,
          compiled: checkPayload('deal_won', structuredClone(data)).value !== undefined,
        });
      }),
      { numRuns: RUNS / 3 },
    );
  });
});

describe('enclosingObjects', () => {
  it('reads the objects above a value along its JSON pointer, nearest first, passing arrays through', () => {
    const line = { unitPrice: '12.50' };
    const data = { currency: 'JPY', lines: [line] };
    const root = { type: 'deal_won', data };
    expect(enclosingObjects({ instancePath: '/data/lines/0/unitPrice', rootData: root })).toEqual([
      data,
      root,
    ]);
    // A value of the root object itself has nothing above its own object.
    expect(enclosingObjects({ instancePath: '/currency', rootData: data })).toEqual([]);
  });

  it('unescapes the pointer (~1 is a slash, ~0 a tilde)', () => {
    const inner = { amount: '1' };
    const outer = { 'a/b~c': inner };
    expect(enclosingObjects({ instancePath: '/a~1b~0c/amount', rootData: outer })).toEqual([outer]);
    const deeper = { x: { 'a/b~c': { y: { amount: '1' } } } };
    expect(enclosingObjects({ instancePath: '/x/a~1b~0c/y/amount', rootData: deeper })).toEqual([
      deeper.x['a/b~c'],
      deeper.x,
      deeper,
    ]);
  });
});
