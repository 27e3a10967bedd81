import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

import { asyncApiDocument, renderAsyncApiFiles } from './asyncapi';
import { EVENT_CATALOG } from './catalog';
import { EVENT_TYPES } from './event-type';

const DIR = join(__dirname, '..', 'asyncapi');

/** Prettier with the repository's settings, in its own process (it loads plugins with dynamic import()). */
function prettier(content: string, filepath: string): string {
  const result = spawnSync(
    process.execPath,
    [require.resolve('prettier/bin/prettier.cjs'), '--stdin-filepath', filepath],
    {
      input: content,
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(`prettier failed: ${result.stderr}`);
  return result.stdout;
}

// The official parser loads Spectral and every schema format; one parse is enough for the suite.
jest.setTimeout(60_000);

describe('AsyncAPI document', () => {
  const document = asyncApiDocument();
  let parsed: Awaited<ReturnType<Parser['parse']>>;

  beforeAll(async () => {
    parsed = await new Parser().parse(JSON.stringify(document));
  });

  it('is valid AsyncAPI 3.0 for the official parser (no error diagnostics)', () => {
    const errors = parsed.diagnostics.filter(
      (diagnostic) => Number(diagnostic.severity) === Number(DiagnosticSeverity.Error),
    );
    expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(parsed.document).toBeDefined();
    expect(parsed.document!.version()).toBe('3.0.0');
  });

  it('has one channel per topic of the catalog (plus dead letters), one message per event type', () => {
    const channels = parsed.document!.channels().all();
    const addresses = channels.map((channel) => channel.address());
    expect(addresses.filter((address) => !address?.includes('{')).sort()).toEqual(
      EVENT_TYPES.map((type) => EVENT_CATALOG[type].topic).sort(),
    );
    expect(addresses).toContain('switchboard.dlq.{service}');
    for (const type of EVENT_TYPES) {
      const channel = channels.find((c) => c.address() === EVENT_CATALOG[type].topic)!;
      expect(
        channel
          .messages()
          .all()
          .map((message) => message.name()),
      ).toEqual([`${type}.v1`]);
    }
  });

  it.each(EVENT_TYPES)('%s: the example is valid against the message payload schema', (type) => {
    const message = parsed
      .document!.messages()
      .all()
      .find((m) => m.name() === `${type}.v1`)!;
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(message.payload()!.json<object>());
    const [example] = message.examples().all();
    expect(validate(example.payload())).toBe(true);
    expect(validate({ ...(example.payload() as object), data: { unexpected: true } })).toBe(false);
    expect(example.payload()).toMatchObject({ type, data: EVENT_CATALOG[type].example });
  });

  it('committed files match the contracts (run npm run asyncapi:generate)', () => {
    const expected: Record<string, string> = {};
    for (const [name, content] of Object.entries(renderAsyncApiFiles())) {
      expected[name] = prettier(content, join(DIR, name));
    }
    const committed = Object.fromEntries(
      readdirSync(DIR).map((name) => [name, readFileSync(join(DIR, name), 'utf8')]),
    );
    expect(Object.keys(committed).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, content] of Object.entries(expected)) {
      expect({ name, content: committed[name] }).toEqual({ name, content });
    }
    expect(parse(committed['asyncapi.yaml'])).toEqual(JSON.parse(JSON.stringify(document)));
  });
});
