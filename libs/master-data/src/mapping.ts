import type { CustomerEntity, SourceSystem } from '@switchboard/contracts';

import { FIELD_KINDS, isCustomerField, type CustomerFieldName } from './fields';
import { InvalidValue } from './normalize';

/**
 * How one system names and formats the canonical fields: renames, text transforms and value maps,
 * from the `mappings` section of the ownership file. Inbound (a change from the system, before
 * planning) a field is renamed, transformed, then value-mapped; outbound (an event for the system)
 * it is renamed back and value-mapped back. Text transforms have no inverse: the system receives
 * the canonical form (upper case, E.164), which is what it sent in another spelling.
 */

/** Transforms the file may name; `phone_e164` takes a default country code: `phone_e164:+39`. */
export const MAPPING_TRANSFORMS = ['trim', 'upper', 'lower', 'phone_e164'] as const;

export type Transform =
  | { kind: 'trim' }
  | { kind: 'upper' }
  | { kind: 'lower' }
  /** A national number (no `+` or `00`) gets `defaultCountryCode`; without one it is refused. */
  | { kind: 'phone_e164'; defaultCountryCode: string | null };

/** Field kinds that hold text, the only ones a transform or a value map applies to. */
export function isTextField(field: CustomerFieldName): boolean {
  return FIELD_KINDS[field] === 'text' || FIELD_KINDS[field] === 'email';
}

export interface FieldMapping {
  /** The system's name for the field. */
  systemName: string;
  /** The canonical field it is. */
  field: CustomerFieldName;
  /** Applied inbound in order, before the value map. */
  transforms: Transform[];
  /** System value -> canonical value; outbound the first system value listed for a canonical one. */
  values: Array<[system: string, canonical: string]>;
}

/** Per system and entity, the fields it names or formats differently; every other field is canonical. */
export type SystemMappings = Partial<Record<SourceSystem, Partial<Record<CustomerEntity, FieldMapping[]>>>>;

/** `trim`, `upper`, `lower`, `phone_e164` or `phone_e164:+<country code>`; undefined when unknown. */
export function parseTransform(text: string): Transform | undefined {
  switch (text) {
    case 'trim':
    case 'upper':
    case 'lower':
      return { kind: text };
    case 'phone_e164':
      return { kind: 'phone_e164', defaultCountryCode: null };
  }
  const withCountry = /^phone_e164:\+([1-9]\d{0,2})$/.exec(text);
  return withCountry ? { kind: 'phone_e164', defaultCountryCode: withCountry[1] } : undefined;
}

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * A phone number in E.164 (`+390212345678`): spaces, dashes, dots, slashes, parentheses and the
 * `(0)` of `+49 (0)89 …` go, `00` becomes `+`. A national number gets the default country code,
 * dropping its trunk 0, except in Italy where the 0 is dialled from abroad too.
 */
export function toE164(field: string, value: string, defaultCountryCode: string | null): string {
  let digits = value.replace(/\(0\)/g, '').replace(/[\s\-./()]/g, '');
  if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
  else if (!digits.startsWith('+') && defaultCountryCode !== null) {
    const national = defaultCountryCode === '39' ? digits : digits.replace(/^0/, '');
    digits = `+${defaultCountryCode}${national}`;
  }
  if (!E164.test(digits)) {
    throw new InvalidValue(
      field,
      `${field} '${value}' is not a phone number in international form (E.164, e.g. +390212345678)${
        defaultCountryCode === null ? '; a national number needs phone_e164:+<country code>' : ''
      }`,
    );
  }
  return digits;
}

export function applyTransform(field: string, transform: Transform, value: string): string {
  switch (transform.kind) {
    case 'trim':
      return value.trim();
    case 'upper':
      return value.toUpperCase();
    case 'lower':
      return value.toLowerCase();
    case 'phone_e164':
      return toE164(field, value, transform.defaultCountryCode);
  }
}

export type MappingProblemReason = 'unmapped_field' | 'invalid_value';

export interface MappingProblem {
  /** The field as the system named it. */
  field: string;
  reason: MappingProblemReason;
  message: string;
}

function entriesOf(mappings: SystemMappings, system: SourceSystem, entity: CustomerEntity): FieldMapping[] {
  return mappings[system]?.[entity] ?? [];
}

/** One value from the system's format to the canonical one (text only; null and other kinds pass). */
function inboundValue(mapping: FieldMapping, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = mapping.transforms.reduce((v, t) => applyTransform(mapping.field, t, v), value);
  return mapping.values.find(([system]) => system === text)?.[1] ?? text;
}

/**
 * A system's changed fields under canonical names and formats. A name the system does not use is
 * refused (`unmapped_field`): neither one of its mapped names nor a canonical field, or a canonical
 * field the system calls something else. A transform that cannot read a value is `invalid_value`.
 */
export function toCanonical(
  mappings: SystemMappings,
  system: SourceSystem,
  entity: CustomerEntity,
  fields: Readonly<Record<string, unknown>>,
): { fields: Record<string, unknown>; problems: MappingProblem[] } {
  const entries = entriesOf(mappings, system, entity);
  const out: Record<string, unknown> = {};
  const problems: MappingProblem[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const mapping = entries.find((entry) => entry.systemName === name);
    if (!mapping) {
      const renamed = entries.find((entry) => entry.field === name);
      if (renamed) {
        problems.push({
          field: name,
          reason: 'unmapped_field',
          message: `${system} names the ${entity} field ${name} '${renamed.systemName}' (ownership mappings.${system}.${entity}); '${name}' is not one of its fields`,
        });
      } else if (!isCustomerField(name)) {
        problems.push({
          field: name,
          reason: 'unmapped_field',
          message: `'${name}' is neither a customer field nor one of ${system}'s mapped ${entity} fields (ownership mappings.${system}.${entity})`,
        });
      } else out[name] = value;
      continue;
    }
    try {
      out[mapping.field] = inboundValue(mapping, value);
    } catch (error) {
      if (!(error instanceof InvalidValue)) throw error;
      problems.push({ field: name, reason: 'invalid_value', message: error.message });
    }
  }
  return { fields: out, problems };
}

/**
 * Canonical fields under the target system's names and formats: renamed back, value maps reversed
 * (a canonical value the map does not list is sent as it is). Transforms have no inverse.
 */
export function toSystem(
  mappings: SystemMappings,
  target: SourceSystem,
  entity: CustomerEntity,
  fields: object,
): Record<string, unknown> {
  const entries = entriesOf(mappings, target, entity);
  const out: Record<string, unknown> = {};
  const values: Array<[string, unknown]> = Object.entries(fields);
  for (const [field, value] of values) {
    const mapping = entries.find((entry) => entry.field === field);
    if (!mapping) {
      out[field] = value;
      continue;
    }
    const systemValue =
      typeof value === 'string'
        ? mapping.values.find(([, canonical]) => canonical === value)?.[0]
        : undefined;
    out[mapping.systemName] = systemValue ?? value;
  }
  return out;
}
