import { EVENT_CATALOG, dataSchemaUri } from './catalog';
import { exampleCloudEvent } from './cloud-event';
import { customSchemas } from './decorators';
import { EVENT_TYPES, type EventType } from './event-type';
import {
  contractMetadatas,
  envelopeSchema,
  generateDefinitions,
  isObject,
  withDefinitions,
  type JsonSchema,
} from './schema-generator';

export type { JsonSchema };

let definitions: Record<string, JsonSchema> | undefined;

function allDefinitions(): Record<string, JsonSchema> {
  definitions ??= generateDefinitions(
    contractMetadatas(),
    Object.fromEntries(
      Object.entries(customSchemas).map(([name, toSchema]) => [name, (meta) => toSchema(meta.constraints)]),
    ),
  );
  return definitions;
}

function sortKeys(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(sortKeys);
  if (!isObject(node)) return node;
  return Object.fromEntries(
    Object.keys(node)
      .sort()
      .map((key) => [key, sortKeys(node[key])]),
  );
}

/** JSON Schema (draft-07) of the whole CloudEvent for one type, generated from the same classes. */
export function jsonSchemaFor(type: EventType): JsonSchema {
  const all = allDefinitions();
  const definition = EVENT_CATALOG[type];
  const root: JsonSchema = {
    ...envelopeSchema(type, all),
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: dataSchemaUri(type),
    title: `${type} v${definition.version}`,
    description: definition.description,
    examples: [exampleCloudEvent(type)],
  };
  return sortKeys(withDefinitions(root, all)) as JsonSchema;
}

export function schemaFileName(type: EventType): string {
  return `${type}.v${EVENT_CATALOG[type].version}.schema.json`;
}

/** The committed files under libs/contracts/schemas, keyed by file name. */
export function renderSchemaFiles(): Record<string, string> {
  return Object.fromEntries(
    EVENT_TYPES.map((type) => [schemaFileName(type), `${JSON.stringify(jsonSchemaFor(type), null, 2)}\n`]),
  );
}
