import type { MetadataStorage as TransformerMetadataStorage } from 'class-transformer/types/MetadataStorage';
import { ValidationTypes, getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { validationMetadataArrayToSchemas } from 'class-validator-jsonschema';
import { EVENT_CATALOG } from './catalog';
import { CloudEventEnvelope } from './envelope';
import { EVENT_TYPES, type EventType } from './event-type';

// One generator turns the class-validator classes into JSON Schema twice: the published schemas
// (json-schema.ts, for other teams) and the run-time validator (compiled-validation.ts).

export type JsonSchema = { [key: string]: unknown };

/** Turns one decorator's metadata into the JSON Schema of its property. */
export type MetadataConverter = (meta: ValidationMetadata) => JsonSchema;

export type ClassType = abstract new (...args: never[]) => unknown;

// class-transformer ships no typings for this deep import; the generator needs it to follow @Type().
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as {
  defaultMetadataStorage: TransformerMetadataStorage;
};

export const REF_PREFIX = '#/definitions/';

/**
 * Only the contract classes, reached from the payloads: other classes in the process (service DTOs)
 * may reuse names like Address and must not leak into or merge with these definitions.
 */
export function contractMetadatas(): ValidationMetadata[] {
  return classMetadatas([CloudEventEnvelope, ...EVENT_TYPES.map((type) => EVENT_CATALOG[type].payload)]);
}

/**
 * The validation metadata of `roots` and of every class they nest, and of nothing else. A custom
 * decorator's metadata is keyed by the name given to registerDecorator, as the generator expects.
 */
export function classMetadatas(roots: ClassType[]): ValidationMetadata[] {
  const storage = getMetadataStorage();
  const seen = new Set<ClassType>();
  const metadatas: ValidationMetadata[] = [];
  const visit = (target: ClassType): void => {
    if (seen.has(target)) return;
    seen.add(target);
    for (const meta of storage.getTargetValidationMetadatas(target, '', true, false)) {
      const constraint = meta.constraintCls && storage.getTargetValidatorConstraints(meta.constraintCls)[0];
      metadatas.push(constraint ? { ...meta, type: constraint.name } : meta);
      if (meta.type === ValidationTypes.NESTED_VALIDATION) {
        const nested = defaultMetadataStorage.findTypeMetadata(target, meta.propertyName);
        if (nested) visit(nested.typeFunction() as ClassType);
      }
    }
  };
  roots.forEach(visit);
  return metadatas;
}

export function isObject(value: unknown): value is JsonSchema {
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

/** Every contract class as a closed JSON Schema definition, keyed by class name. */
export function generateDefinitions(
  metadatas: ValidationMetadata[],
  converters: Record<string, MetadataConverter>,
): Record<string, JsonSchema> {
  return Object.fromEntries(
    Object.entries(
      validationMetadataArrayToSchemas(metadatas, {
        classTransformerMetadataStorage: defaultMetadataStorage,
        refPointerPrefix: REF_PREFIX,
        additionalConverters: converters,
      }),
    ).map(([name, schema]) => [name, tighten(schema as JsonSchema)]),
  );
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

/** `root` with the definitions it references (directly or not) under `definitions`. */
export function withDefinitions(root: JsonSchema, all: Record<string, JsonSchema>): JsonSchema {
  const names = [...referencedNames(root, new Set(), all)];
  return { ...root, definitions: Object.fromEntries(names.map((name) => [name, all[name]])) };
}

/** The whole CloudEvent of one type: the envelope with `type` fixed and `data` its payload. */
export function envelopeSchema(type: EventType, all: Record<string, JsonSchema>): JsonSchema {
  const envelope = all[CloudEventEnvelope.name];
  return {
    ...envelope,
    properties: {
      ...(envelope.properties as Record<string, JsonSchema>),
      type: { type: 'string', const: type },
      data: { $ref: `${REF_PREFIX}${EVENT_CATALOG[type].payload.name}` },
    },
  };
}
