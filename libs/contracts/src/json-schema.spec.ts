import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES } from './event-type';
import { jsonSchemaFor, renderSchemaFiles, type JsonSchema } from './json-schema';

const SCHEMA_DIR = join(__dirname, '..', 'schemas');

function refsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsIn);
  if (typeof node !== 'object' || node === null) return [];
  const own = typeof (node as JsonSchema).$ref === 'string' ? [(node as JsonSchema).$ref as string] : [];
  return [...own, ...Object.values(node).flatMap(refsIn)];
}

describe('JSON Schemas', () => {
  it('committed files match the classes (run npm run contracts:schemas)', () => {
    const expected = renderSchemaFiles();
    const committed = Object.fromEntries(
      readdirSync(SCHEMA_DIR)
        .filter((name) => name.endsWith('.schema.json'))
        .map((name) => [name, readFileSync(join(SCHEMA_DIR, name), 'utf8')]),
    );
    expect(Object.keys(committed).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, content] of Object.entries(expected)) {
      expect({ name, content: committed[name] }).toEqual({ name, content });
    }
  });

  it.each(EVENT_TYPES)('%s: every $ref resolves inside the file and every object is closed', (type) => {
    const schema = jsonSchemaFor(type);
    const definitions = schema.definitions as Record<string, JsonSchema>;
    for (const ref of refsIn(schema)) {
      expect(ref).toMatch(/^#\/definitions\//);
      expect(definitions).toHaveProperty([ref.slice('#/definitions/'.length)]);
    }
    expect(schema.additionalProperties).toBe(false);
    for (const definition of Object.values(definitions)) expect(definition.additionalProperties).toBe(false);
  });

  it('wraps the payload in the CloudEvent envelope for its type', () => {
    const schema = jsonSchemaFor('deal_won');
    const properties = schema.properties as Record<string, JsonSchema>;
    expect(schema.$id).toBe('urn:switchboard:schema:deal_won:v1');
    expect(properties.type).toEqual({ const: 'deal_won', type: 'string' });
    expect(properties.data).toEqual({ $ref: '#/definitions/DealWonV1' });
    expect(schema.required).toEqual(
      expect.arrayContaining(['specversion', 'id', 'source', 'type', 'time', 'data']),
    );
  });

  it('describes money and decimals as strings, never numbers, and optional fields as nullable', () => {
    const definitions = jsonSchemaFor('deal_won').definitions as Record<string, JsonSchema>;
    const line = definitions.DealLine.properties as Record<string, JsonSchema>;
    expect(line.unitPrice).toMatchObject({ type: 'string', pattern: '^-?(0|[1-9]\\d*)(\\.\\d+)?$' });
    expect(line.quantity).toMatchObject({ type: 'string' });
    expect(line.discountPercent).toEqual({
      anyOf: [expect.objectContaining({ type: 'string' }), { type: 'null' }],
    });
    expect(definitions.DealWonV1.required).toEqual(
      expect.arrayContaining(['lines', 'currency', 'taxRatePercent']),
    );
    expect((definitions.DealWonV1.properties as Record<string, JsonSchema>).lines).toMatchObject({
      type: 'array',
      minItems: 1,
      maxItems: 500,
      items: { $ref: '#/definitions/DealLine' },
    });
  });
});
