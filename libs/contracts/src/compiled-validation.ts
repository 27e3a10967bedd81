import Ajv, { _, type KeywordCxt, type ValidateFunction } from 'ajv';
import { strConcat } from 'ajv/dist/compile/codegen';
import names from 'ajv/dist/compile/names';
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

/** Where a value sits in the document ajv validates. */
interface Place {
  instancePath: string;
  rootData: unknown;
}

/**
 * One value rule. The generated code passes the value and its object; the JSON pointer and the
 * document's root only to a rule that reads enclosing objects, so the others cost no path string.
 */
interface Check {
  test: (value: unknown, parentData: unknown, instancePath?: string, rootData?: unknown) => boolean;
  readsEnclosing: boolean;
}

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
  const test: Check['test'] = (value, parentData, instancePath, rootData) => {
    // One literal of one shape: a spread of a conditional object allocated a second object per call.
    const valid = instance.validate(value, {
      value,
      constraints: meta.constraints,
      targetName,
      object: parentData as object,
      property: meta.propertyName,
      enclosing: instancePath === undefined ? undefined : enclosingObjects({ instancePath, rootData }),
    });
    if (typeof valid !== 'boolean')
      throw new Error(`${meta.propertyName}: async validators are not compiled`);
    return valid;
  };
  return { test, readsEnclosing };
}

/**
 * The objects above a value's own, nearest first, read along its JSON pointer from the document's
 * root (arrays are passed through: a line's enclosing object is the deal, as class-validator sees it).
 */
export function enclosingObjects({ instancePath, rootData }: Place): object[] {
  const chain: object[] = [];
  let at: unknown = rootData;
  // Every key but the last (the value's own), read in place: this runs for every money amount.
  let start = 1;
  let end = instancePath.indexOf('/', start);
  while (end >= 0) {
    if (at !== null && typeof at === 'object' && !Array.isArray(at)) chain.push(at);
    const key = instancePath.slice(start, end);
    const property = key.includes('~') ? key.replace(/~1/g, '/').replace(/~0/g, '~') : key;
    at = (at as Record<string, unknown> | null)?.[property];
    start = end + 1;
    end = instancePath.indexOf('/', start);
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
    // Inlined as a call of each rule, rather than a `compile` keyword: ajv calls one of those with a
    // context object and the value's JSON pointer built per value, a sixth of a check's garbage.
    code: (cxt: KeywordCxt) => {
      const { gen, data, it } = cxt;
      for (const id of Object.keys(cxt.schema as Record<string, true>)) {
        const check = checks[Number(id)];
        const test = gen.scopeValue('func', { ref: check.test });
        cxt.fail(
          check.readsEnclosing
            ? _`!${test}(${data}, ${it.parentData}, ${strConcat(names.instancePath, it.errorPath)}, ${names.rootData})`
            : _`!${test}(${data}, ${it.parentData})`,
        );
      }
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
