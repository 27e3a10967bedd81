import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError, type ValidatorOptions } from 'class-validator';
import { EVENT_CATALOG, type EventMap } from './catalog';
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
  const instance = plainToInstance(EVENT_CATALOG[type].payload, data);
  linkParents(instance);
  const errors = toFieldErrors(validateSync(instance, VALIDATOR_OPTIONS), base);
  if (errors.length > 0) return { errors };
  pruneUndefined(instance);
  return { value: instance, errors: [] };
}

/** Throws ContractViolation naming every wrong or unknown field; returns the payload class instance. */
export function validatePayload<T extends EventType>(type: T, data: unknown): EventMap[T] {
  const result = checkPayload(type, data);
  if (result.value === undefined) throw new ContractViolation(result.errors);
  return result.value;
}
