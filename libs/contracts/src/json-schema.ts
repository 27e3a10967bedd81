import type { MetadataStorage as TransformerMetadataStorage } from 'class-transformer/types/MetadataStorage';
import { ValidationTypes, getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { validationMetadataArrayToSchemas } from 'class-validator-jsonschema';
import { EVENT_CATALOG, dataSchemaUri } from './catalog';
import { CloudEventEnvelope, exampleCloudEvent } from './cloud-event';
import { customSchemas } from './decorators';
import { EVENT_TYPES, type EventType } from './event-type';

export type JsonSchema = { [key: string]: unknown };

type ClassType = abstract new (...args: never[]) => unknown;

// class-transformer ships no typings for this deep import; the generator needs it to follow @Type().
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as {
  defaultMetadataStorage: TransformerMetadataStorage;
};

const REF_PREFIX = '#/definitions/';

// Only the contract classes, reached from the payloads: other classes in the process (service DTOs) may
// reuse names like Address and must not leak into or merge with these definitions.
function contractMetadatas(): ValidationMetadata[] {
  const storage = getMetadataStorage();
  const seen = new Set<ClassType>();
  const metadatas: ValidationMetadata[] = [];
  const visit = (target: ClassType): void => {
    if (seen.has(target)) return;
    seen.add(target);
    for (const meta of storage.getTargetValidationMetadatas(target, '', true, false)) {
      // The generator keys custom validators by the name given to registerDecorator.
      const constraint = meta.constraintCls && storage.getTargetValidatorConstraints(meta.constraintCls)[0];
      metadatas.push(constraint ? { ...meta, type: constraint.name } : meta);
      if (meta.type === ValidationTypes.NESTED_VALIDATION) {
        const nested = defaultMetadataStorage.findTypeMetadata(target, meta.propertyName);
        if (nested) visit(nested.typeFunction() as ClassType);
      }
    }
  };
  [CloudEventEnvelope, ...EVENT_TYPES.map((type) => EVENT_CATALOG[type].payload)].forEach(visit);
  return metadatas;
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Closed objects mirror forbidNonWhitelisted; optional properties accept null like @IsOptional does.
function tighten(definition: JsonSchema): JsonSchema {
  const required = new Set((definition.required as string[] | undefined) ?? []);
  const properties = Object.fromEntries(
    Object.entries(definition.properties as Record<string, JsonSchema>).map(([name, schema]) => [
      name,
      required.has(name) || 'anyOf' in schema ? schema : { anyOf: [schema, { type: 'null' }] },
    ]),
  );
  return { ...definition, properties, additionalProperties: false };
}

let definitions: Record<string, JsonSchema> | undefined;

function allDefinitions(): Record<string, JsonSchema> {
  definitions ??= Object.fromEntries(
    Object.entries(
      validationMetadataArrayToSchemas(contractMetadatas(), {
        classTransformerMetadataStorage: defaultMetadataStorage,
        refPointerPrefix: REF_PREFIX,
        additionalConverters: Object.fromEntries(
          Object.entries(customSchemas).map(([name, toSchema]) => [
            name,
            (meta: ValidationMetadata) => toSchema(meta.constraints),
          ]),
        ),
      }),
    ).map(([name, schema]) => [name, tighten(schema as JsonSchema)]),
  );
  return definitions;
}

function referencedNames(node: unknown, into: Set<string>, all: Record<string, JsonSchema>): Set<string> {
  if (Array.isArray(node)) node.forEach((item) => referencedNames(item, into, all));
  else if (isObject(node)) {
    const ref = node.$ref;
    if (typeof ref === 'string' && ref.startsWith(REF_PREFIX)) {
      const name = ref.slice(REF_PREFIX.length);
      if (!into.has(name)) {
        into.add(name);
        referencedNames(all[name], into, all);
      }
    }
    Object.values(node).forEach((value) => referencedNames(value, into, all));
  }
  return into;
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
  const payloadName = definition.payload.name;
  const envelope = all[CloudEventEnvelope.name];
  const envelopeProperties = envelope.properties as Record<string, JsonSchema>;
  const root: JsonSchema = {
    ...envelope,
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: dataSchemaUri(type),
    title: `${type} v${definition.version}`,
    description: definition.description,
    properties: {
      ...envelopeProperties,
      type: { type: 'string', const: type },
      data: { $ref: `${REF_PREFIX}${payloadName}` },
    },
    examples: [exampleCloudEvent(type)],
  };
  const names = [...referencedNames(root, new Set(), all)];
  return sortKeys({
    ...root,
    definitions: Object.fromEntries(names.map((name) => [name, all[name]])),
  }) as JsonSchema;
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
