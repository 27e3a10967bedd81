import Ajv, { type ValidateFunction } from 'ajv';
import { ValidationTypes, getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { EVENT_CATALOG, type EventMap } from './catalog';
import { MONEY_AMOUNT, type EnclosedValidationArguments } from './decorators';
import type { EventType } from './event-type';
import {
  REF_PREFIX,
  classMetadatas,
  contractMetadatas,
  envelopeSchema,
  generateDefinitions,
  withDefinitions,
  type ClassType,
  type JsonSchema,
  type MetadataConverter,
} from './schema-generator';

/*
 * The run-time validator: the contract classes compiled once into ajv validators, so an event is
 * checked in a few microseconds instead of class-transformer + class-validator's few hundred.
 *
 * The structure (required, closed objects, nesting, arrays, null for optional fields) is the
 * generated JSON Schema. Every value rule is the decorator's own validate function, called from the
 * `classValidator` keyword, so a rule cannot mean one thing here and another in class-validator.
 * class-validator stays the one definition: it still names the wrong fields when this refuses
 * (refusals are rare), and compiled-validation.spec proves both accept and refuse the same inputs.
 */

const KEYWORD = 'classValidator';

/** Metadata that shapes the schema (nesting, optionality) rather than checking a value. */
const STRUCTURAL = new Set<string>([
  ValidationTypes.NESTED_VALIDATION,
  ValidationTypes.CONDITIONAL_VALIDATION,
  ValidationTypes.IS_DEFINED,
  ValidationTypes.WHITELIST,
]);

/** Where a value sits in the document ajv validates (ajv's data context of a keyword). */
interface Place {
  instancePath: string;
  parentData: unknown;
  rootData: unknown;
}

type Check = (value: unknown, place: Place | undefined) => boolean;

/** ajv with the `classValidator` keyword, and the closed definitions of a set of classes. */
interface Compiled {
  ajv: Ajv;
  definitions: Record<string, JsonSchema>;
}

interface Compiler extends Compiled {
  /** Compiled on first use, per event type: a service compiles only the types it sees. */
  event: Map<EventType, ValidateFunction>;
  payload: Map<EventType, ValidateFunction>;
}

let compiler: Compiler | undefined;

function checkOf(meta: ValidationMetadata): Check {
  const storage = getMetadataStorage();
  const constraint = meta.constraintCls && storage.getTargetValidatorConstraints(meta.constraintCls)[0];
  if (!constraint) throw new Error(`No validator for ${meta.propertyName} (${meta.type})`);
  const instance = new (
    constraint.target as new () => {
      validate(value: unknown, args: EnclosedValidationArguments): boolean | Promise<boolean>;
    }
  )();
  const targetName = typeof meta.target === 'function' ? meta.target.name : String(meta.target);
  // Only a money amount reads an enclosing object (its currency).
  const readsEnclosing = meta.type === MONEY_AMOUNT;
  return (value, place) => {
    const valid = instance.validate(value, {
      value,
      constraints: meta.constraints,
      targetName,
      object: place?.parentData as object,
      property: meta.propertyName,
      ...(readsEnclosing && place ? { enclosing: enclosingObjects(place) } : {}),
    });
    if (typeof valid !== 'boolean')
      throw new Error(`${meta.propertyName}: async validators are not compiled`);
    return valid;
  };
}

/**
 * The objects above a value's own, nearest first, read along its JSON pointer from the document's
 * root (arrays are passed through: a line's enclosing object is the deal, as class-validator sees it).
 */
export function enclosingObjects({ instancePath, rootData }: Omit<Place, 'parentData'>): object[] {
  const keys = instancePath.split('/').slice(1, -1);
  const chain: object[] = [];
  let at: unknown = rootData;
  for (const key of keys) {
    if (at !== null && typeof at === 'object' && !Array.isArray(at)) chain.push(at);
    at = (at as Record<string, unknown> | null)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  // The value's own object is `object`, not an enclosing one.
  return chain.reverse();
}

function compile(metadatas: ValidationMetadata[]): Compiled {
  const checks: Check[] = [];
  const register: MetadataConverter = (meta) => {
    checks.push(checkOf(meta));
    return { [KEYWORD]: { [checks.length - 1]: true } };
  };
  // Every value rule becomes the keyword; ids in an object (not an array) so that the generator,
  // which deep-merges one property's schemas, keeps all rules of a property.
  const converters = Object.fromEntries(
    [...new Set(metadatas.map((meta) => meta.type))]
      .filter((type) => !STRUCTURAL.has(type))
      .map((type) => [type, register]),
  );
  const all = generateDefinitions(metadatas, converters);
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: false });
  ajv.addKeyword({
    keyword: KEYWORD,
    schemaType: 'object',
    errors: false,
    compile: (ids: Record<string, true>) => {
      const own = Object.keys(ids).map((id) => checks[Number(id)]);
      return (value: unknown, place?: Place) => {
        for (const check of own) if (!check(value, place)) return false;
        return true;
      };
    },
  });
  return { ajv, definitions: all };
}

/** The contract classes' compiler, made on first use. */
function contractCompiler(): Compiler {
  compiler ??= { ...compile(contractMetadatas()), event: new Map(), payload: new Map() };
  return compiler;
}

function validatorFor(kind: 'event' | 'payload', type: EventType): ValidateFunction {
  const contracts = contractCompiler();
  const { ajv, definitions } = contracts;
  let validate = contracts[kind].get(type);
  if (!validate) {
    const root =
      kind === 'event'
        ? envelopeSchema(type, definitions)
        : { $ref: `${REF_PREFIX}${EVENT_CATALOG[type].payload.name}` };
    validate = ajv.compile(withDefinitions(root, definitions));
    contracts[kind].set(type, validate);
  }
  return validate;
}

/** Whether `input` (parsed JSON) is a valid CloudEvent of `type`, envelope and payload. */
export function compiledAcceptsEvent(type: EventType, input: { data?: unknown }): boolean {
  return validatorFor('event', type)(input) === true;
}

/** Whether `data` is a valid payload of `type`. */
export function compiledAcceptsPayload<T extends EventType>(type: T, data: unknown): data is EventMap[T] {
  return validatorFor('payload', type)(data) === true;
}

/**
 * A compiled check of any class-validator class (a service's request DTO, say) and the classes it
 * nests, with the options every caller here uses (`whitelist`, `forbidNonWhitelisted`: unknown
 * properties are refused). It answers whether `value` would pass `validateSync` of the class built
 * by `plainToInstance`; naming the wrong fields of a refusal is left to class-validator. Compile it
 * once, at start: the compilation takes milliseconds.
 */
export function compileClassValidator<T extends object>(
  target: ClassType & { name: string },
): (value: unknown) => value is T {
  const compiled = compile(classMetadatas([target]));
  const validate = compiled.ajv.compile(
    withDefinitions({ $ref: `${REF_PREFIX}${target.name}` }, compiled.definitions),
  );
  return (value: unknown): value is T => validate(value) === true;
}

export type { JsonSchema };
