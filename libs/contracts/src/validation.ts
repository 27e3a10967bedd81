import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError, type ValidatorOptions } from 'class-validator';
import { EVENT_CATALOG, type EventMap } from './catalog';
import { compiledAcceptsPayload } from './compiled-validation';
import { linkParents } from './decorators';
import { EVENT_TYPES, isEventType, type EventType } from './event-type';

export interface FieldError {
  /** Dotted path like 'data.lines[0].unitPrice' or 'type'; '$' is the whole value. */
  field: string;
  message: string;
}

const MESSAGE_FIELDS = 20;

export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';

  constructor(readonly errors: FieldError[]) {
    const listed = errors.slice(0, MESSAGE_FIELDS).map((e) => `${e.field}: ${e.message}`);
    const more = errors.length > MESSAGE_FIELDS ? ` (and ${errors.length - MESSAGE_FIELDS} more)` : '';
    super(`Contract violation: ${listed.join('; ')}${more}`);
  }
}

export const VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
};

function joinPath(base: string, property: string): string {
  if (/^\d+$/.test(property)) return `${base}[${property}]`;
  return base ? `${base}.${property}` : property;
}

export function toFieldErrors(errors: ValidationError[], base = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = joinPath(base, error.property);
    const own = error.constraints ? [{ field, message: Object.values(error.constraints).join('; ') }] : [];
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Class fields are own properties even when the JSON omitted them; dropping the undefined ones keeps
// "absent" distinguishable from "null" (a cleared value) for consumers that iterate keys.
function pruneUndefined(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(pruneUndefined);
  } else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (value === undefined) delete (node as Record<string, unknown>)[key];
      else pruneUndefined(value);
    }
  }
}

const INHERITED_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * Keys named like Object.prototype's members ('constructor', '__proto__', 'toString', ...) slip past
 * class-validator's whitelist (class-transformer never copies them), so they would be accepted and
 * silently dropped; they are unknown fields like any other. `deep` looks into nested values too.
 */
export function inheritedNameErrors(node: unknown, base = '', deep = true): FieldError[] {
  if (Array.isArray(node))
    return deep ? node.flatMap((item, index) => inheritedNameErrors(item, `${base}[${index}]`)) : [];
  if (!isPlainObject(node)) return [];
  return Object.entries(node).flatMap(([key, value]) => [
    ...(INHERITED_NAMES.has(key)
      ? [{ field: joinPath(base, key), message: `property ${key} should not exist` }]
      : []),
    ...(deep ? inheritedNameErrors(value, joinPath(base, key)) : []),
  ]);
}

/** Validates and converts; `base` prefixes the error paths (e.g. 'data'). */
export function checkPayload<T extends EventType>(
  type: T,
  data: unknown,
  base = '',
): { value?: EventMap[T]; errors: FieldError[] } {
  if (!isEventType(type)) {
    return { errors: [{ field: 'type', message: `type must be one of ${EVENT_TYPES.join(', ')}` }] };
  }
  if (!isPlainObject(data)) {
    return { errors: [{ field: base || '$', message: `${base || 'payload'} must be a JSON object` }] };
  }
  const inherited = inheritedNameErrors(data, base);
  if (inherited.length > 0) return { errors: inherited };
  const instance = plainToInstance(EVENT_CATALOG[type].payload, data);
  linkParents(instance);
  const errors = toFieldErrors(validateSync(instance, VALIDATOR_OPTIONS), base);
  if (errors.length > 0) return { errors };
  pruneUndefined(instance);
  return { value: instance, errors: [] };
}

/** Throws ContractViolation naming every wrong or unknown field; returns the payload. */
export function validatePayload<T extends EventType>(type: T, data: unknown): EventMap[T] {
  const accepted = isEventType(type) && compiledAcceptsPayload(type, data);
  return crossChecked(
    'payload',
    accepted,
    () => {
      const result = checkPayload(type, data);
      if (result.value === undefined) throw new ContractViolation(result.errors);
      return result.value;
    },
    () => data as EventMap[T],
  );
}

/**
 * Set in the test suites (CONTRACTS_CROSS_CHECK=true, inherited by the services they start): every
 * value is also validated by class-validator, and a disagreement with the compiled validator throws.
 */
export const CROSS_CHECK = process.env.CONTRACTS_CROSS_CHECK === 'true';

export class ValidatorDisagreement extends Error {
  override readonly name = 'ValidatorDisagreement';
}

/**
 * The compiled validator's verdict, with class-validator naming the fields of a refusal (and, should
 * it accept what the compiled one refused, its answer standing: it is the definition).
 */
export function crossChecked<R>(
  what: 'event' | 'payload' | 'request body',
  accepted: boolean,
  withClassValidator: () => R,
  fromCompiled: () => R,
): R {
  if (!accepted) {
    const value = withClassValidator();
    if (CROSS_CHECK)
      throw new ValidatorDisagreement(`class-validator accepts a ${what} the compiled validator refuses`);
    return value;
  }
  if (CROSS_CHECK) {
    try {
      withClassValidator();
    } catch (error) {
      throw new ValidatorDisagreement(
        `the compiled validator accepts a ${what} class-validator refuses: ${(error as Error).message}`,
      );
    }
  }
  return fromCompiled();
}
