import { readFileSync } from 'node:fs';

import { parseDocument } from 'yaml';

import {
  CUSTOMER_ENTITIES,
  SOURCE_SYSTEMS,
  type CustomerEntity,
  type SourceSystem,
} from '@switchboard/contracts';

import { CUSTOMER_FIELD_NAMES, FIELD_KINDS, isCustomerField, type CustomerFieldName } from './fields';
import {
  MAPPING_TRANSFORMS,
  isTextField,
  parseTransform,
  type FieldMapping,
  type SystemMappings,
  type Transform,
} from './mapping';

export const CONFLICT_STRATEGIES = ['last_writer_wins', 'source_of_truth', 'manual_review', 'merge'] as const;
export type ConflictStrategy = (typeof CONFLICT_STRATEGIES)[number];

/** Record attributes a flow rule may filter on. */
export const FLOW_ATTRIBUTES = ['country', 'accountType', 'status'] as const;
export type FlowAttribute = (typeof FLOW_ATTRIBUTES)[number];

export interface FieldPolicy {
  field: CustomerFieldName;
  /** The system of record: its changes always count, and it wins a `source_of_truth` conflict. */
  master: SourceSystem;
  /** Other systems whose changes are accepted too; every other system's change is refused. */
  writers: SourceSystem[];
  /** Systems that receive the field's changes (never the system a change came from). */
  receivers: SourceSystem[];
  strategy: ConflictStrategy;
  /** A required field can never be cleared, and a new record without it is refused. */
  required: boolean;
  /** Changes from two systems closer than this are concurrent: a conflict. */
  conflictWindowMs: number;
}

export interface EntityPolicy {
  entity: CustomerEntity;
  audit: boolean;
  /** Whose delete deactivates a record: the first of these systems that has the record. */
  recordMasters: SourceSystem[];
  fields: Partial<Record<CustomerFieldName, FieldPolicy>>;
}

export type FlowCondition = Partial<Record<FlowAttribute, string[]>>;

export interface FlowRule {
  target: SourceSystem;
  entity: CustomerEntity;
  include?: FlowCondition;
  exclude?: FlowCondition;
}

export interface OwnershipConfig {
  version: string;
  /** Where it was read from, for messages. */
  source: string;
  conflictWindowSeconds: number;
  /** Owner of CRM tasks for an account without one. */
  defaultAccountOwner: string;
  entities: Record<CustomerEntity, EntityPolicy>;
  flows: FlowRule[];
  /** How each system names and formats fields that differ from the canonical ones. */
  mappings: SystemMappings;
  signals: {
    invoicePaid: { segment: string | null; paymentStatus: string };
    ticketEscalated: { segment: string | null };
  };
}

/** Every problem of an ownership file at once, each with its path (and line when known). */
export class OwnershipConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid ownership configuration ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'OwnershipConfigError';
  }
}

type Json = Record<string, unknown>;

class Checker {
  readonly problems: string[] = [];

  constructor(private readonly lineOf: (path: string[]) => number | undefined) {}

  fail(path: string[], message: string): void {
    const line = this.lineOf(path);
    this.problems.push(`${path.join('.') || '(top level)'}${line ? ` (line ${line})` : ''}: ${message}`);
  }

  /** A mapping with only `allowed` keys; null allows any key. */
  object(value: unknown, path: string[], allowed: readonly string[] | null): Json | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(path, 'must be a mapping');
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (allowed && !allowed.includes(key))
        this.fail([...path, key], `unknown key (allowed: ${allowed.join(', ')})`);
    }
    return value as Json;
  }

  system(value: unknown, path: string[]): SourceSystem | undefined {
    if (typeof value === 'string' && (SOURCE_SYSTEMS as readonly string[]).includes(value)) {
      return value as SourceSystem;
    }
    this.fail(path, `must be one of ${SOURCE_SYSTEMS.join(', ')} (got ${JSON.stringify(value)})`);
    return undefined;
  }

  systems(value: unknown, path: string[]): SourceSystem[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.fail(path, 'must be a list of systems');
      return [];
    }
    const out = value.flatMap((item, index) => {
      const system = this.system(item, [...path, String(index)]);
      return system ? [system] : [];
    });
    if (new Set(out).size !== out.length) this.fail(path, 'lists a system twice');
    return out;
  }

  strings(value: unknown, path: string[]): string[] | undefined {
    if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string' || !v)) {
      this.fail(path, 'must be a non-empty list of text values');
      return undefined;
    }
    return value as string[];
  }
}

function flowCondition(check: Checker, value: unknown, path: string[]): FlowCondition | undefined {
  if (value === undefined) return undefined;
  const raw = check.object(value, path, FLOW_ATTRIBUTES);
  if (!raw) return undefined;
  const out: FlowCondition = {};
  for (const attribute of FLOW_ATTRIBUTES) {
    if (raw[attribute] === undefined) continue;
    const values = check.strings(raw[attribute], [...path, attribute]);
    if (values) out[attribute] = values;
  }
  return out;
}

function fieldPolicy(
  check: Checker,
  value: unknown,
  path: string[],
  field: CustomerFieldName,
  windowSeconds: number,
): FieldPolicy | undefined {
  const raw = check.object(value, path, [
    'master',
    'writers',
    'receivers',
    'strategy',
    'required',
    'conflictWindowSeconds',
  ]);
  if (!raw) return undefined;
  const master = check.system(raw.master, [...path, 'master']);
  const writers = check.systems(raw.writers, [...path, 'writers']);
  const receivers = check.systems(raw.receivers, [...path, 'receivers']);
  if (master && writers.includes(master)) check.fail([...path, 'writers'], `repeats the master ${master}`);
  const strategy = raw.strategy;
  if (!(CONFLICT_STRATEGIES as readonly unknown[]).includes(strategy)) {
    check.fail(
      [...path, 'strategy'],
      `must be one of ${CONFLICT_STRATEGIES.join(', ')} (got ${JSON.stringify(strategy)})`,
    );
  } else if (strategy === 'merge' && FIELD_KINDS[field] !== 'text') {
    check.fail([...path, 'strategy'], `merge keeps every paragraph of free text; ${field} is not free text`);
  }
  if (raw.required !== undefined && typeof raw.required !== 'boolean') {
    check.fail([...path, 'required'], 'must be true or false');
  }
  let window = windowSeconds;
  if (raw.conflictWindowSeconds !== undefined) {
    if (typeof raw.conflictWindowSeconds !== 'number' || raw.conflictWindowSeconds < 0) {
      check.fail([...path, 'conflictWindowSeconds'], 'must be a number of seconds >= 0');
    } else window = raw.conflictWindowSeconds;
  }
  if (!master) return undefined;
  return {
    field,
    master,
    writers,
    receivers,
    strategy: strategy as ConflictStrategy,
    required: raw.required === true,
    conflictWindowMs: window * 1000,
  };
}

function fieldMapping(
  check: Checker,
  value: unknown,
  path: string[],
  systemName: string,
  entity: CustomerEntity,
  policy: EntityPolicy | undefined,
): FieldMapping | undefined {
  const raw = check.object(value, path, ['field', 'transforms', 'values']);
  if (!raw) return undefined;
  // customer_updated and customer_synced are closed contracts with the canonical names: a name of
  // the system's own (`telefono`) cannot travel in them, so the edge that reads the system renames it.
  if (!isCustomerField(systemName)) {
    check.fail(
      path,
      `a system's name must be one customer_updated and customer_synced carry (${CUSTOMER_FIELD_NAMES.join(', ')})`,
    );
    return undefined;
  }
  const target = raw.field ?? systemName;
  if (typeof target !== 'string' || !isCustomerField(target)) {
    check.fail([...path, 'field'], `is not a customer field (got ${JSON.stringify(target)})`);
    return undefined;
  }
  if (policy && !policy.fields[target]) {
    check.fail(
      [...path, 'field'],
      `${target} is not synced for ${entity}s (not in entities.${entity}.fields)`,
    );
  }
  if (FIELD_KINDS[systemName] !== FIELD_KINDS[target]) {
    check.fail(
      [...path, 'field'],
      `${systemName} holds ${FIELD_KINDS[systemName]} on the wire and ${target} holds ${FIELD_KINDS[target]}: a rename keeps the kind`,
    );
  }
  const transforms: Transform[] = [];
  if (raw.transforms !== undefined) {
    if (!Array.isArray(raw.transforms)) check.fail([...path, 'transforms'], 'must be a list of transforms');
    else {
      raw.transforms.forEach((item, index) => {
        const transform = typeof item === 'string' ? parseTransform(item) : undefined;
        if (transform) transforms.push(transform);
        else {
          check.fail(
            [...path, 'transforms', String(index)],
            `unknown transform ${JSON.stringify(item)} (allowed: ${MAPPING_TRANSFORMS.join(', ')}, phone_e164:+<country code>)`,
          );
        }
      });
    }
  }
  const values: FieldMapping['values'] = [];
  if (raw.values !== undefined) {
    const map = raw.values;
    if (typeof map !== 'object' || map === null || Array.isArray(map)) {
      check.fail([...path, 'values'], 'must map system values to canonical values');
    } else {
      for (const [from, to] of Object.entries(map)) {
        if (typeof to === 'string' && /\S/.test(to)) values.push([from, to]);
        else check.fail([...path, 'values', from], 'must be a canonical text value');
      }
    }
  }
  if ((transforms.length > 0 || values.length > 0) && !isTextField(target)) {
    check.fail(path, `transforms and value maps apply to text; ${target} holds ${FIELD_KINDS[target]}`);
  }
  if (target === systemName && raw.transforms === undefined && raw.values === undefined) {
    check.fail(path, 'maps nothing: give field, transforms or values');
  }
  return { systemName, field: target, transforms, values };
}

/** `mappings.<system>.<entity>.<system's name>`: each canonical field has one name per system. */
function systemMappings(
  check: Checker,
  value: unknown,
  entities: Partial<Record<CustomerEntity, EntityPolicy>>,
): SystemMappings {
  const out: SystemMappings = {};
  const systems = check.object(value, ['mappings'], SOURCE_SYSTEMS);
  for (const system of SOURCE_SYSTEMS) {
    if (systems?.[system] === undefined) continue;
    const perEntity = check.object(systems[system], ['mappings', system], CUSTOMER_ENTITIES);
    for (const entity of CUSTOMER_ENTITIES) {
      if (perEntity?.[entity] === undefined) continue;
      const path = ['mappings', system, entity];
      const raw = check.object(perEntity[entity], path, null);
      if (!raw) continue;
      const list: FieldMapping[] = [];
      for (const [name, item] of Object.entries(raw)) {
        const mapping = fieldMapping(check, item, [...path, name], name, entity, entities[entity]);
        if (!mapping) continue;
        const twin = list.find((other) => other.field === mapping.field);
        if (twin) {
          check.fail(
            [...path, name],
            `maps to ${mapping.field} like ${twin.systemName}: a field has one name in ${system}`,
          );
        } else list.push(mapping);
      }
      for (const mapping of list) {
        const name = mapping.systemName;
        const taken = name !== mapping.field && isCustomerField(name) && entities[entity]?.fields[name];
        if (taken && !list.some((other) => other.field === name)) {
          check.fail(
            [...path, name],
            `is ${system}'s name for ${mapping.field}, so the canonical ${name} needs another name in ${system}: map it too`,
          );
        }
      }
      (out[system] ??= {})[entity] = list;
    }
  }
  return out;
}

/** Validates a parsed ownership document; throws OwnershipConfigError listing every problem. */
export function validateOwnership(
  doc: unknown,
  source = 'ownership',
  lineOf: (path: string[]) => number | undefined = () => undefined,
): OwnershipConfig {
  const check = new Checker(lineOf);
  const top = check.object(
    doc,
    [],
    ['version', 'conflictWindowSeconds', 'defaultAccountOwner', 'entities', 'flows', 'mappings', 'signals'],
  );
  if (!top) throw new OwnershipConfigError(source, check.problems);

  if (typeof top.version !== 'string' && typeof top.version !== 'number') {
    check.fail(['version'], 'is required: the version of this file (e.g. 3 or "2025-03-15")');
  }
  let windowSeconds = 60;
  if (top.conflictWindowSeconds !== undefined) {
    if (typeof top.conflictWindowSeconds !== 'number' || top.conflictWindowSeconds < 0) {
      check.fail(['conflictWindowSeconds'], 'must be a number of seconds >= 0');
    } else windowSeconds = top.conflictWindowSeconds;
  }
  if (typeof top.defaultAccountOwner !== 'string' || !/\S/.test(top.defaultAccountOwner)) {
    check.fail(['defaultAccountOwner'], 'is required: who gets CRM tasks of accounts without an owner');
  }

  const entities = {} as Record<CustomerEntity, EntityPolicy>;
  const rawEntities = check.object(top.entities, ['entities'], CUSTOMER_ENTITIES);
  for (const entity of CUSTOMER_ENTITIES) {
    const path = ['entities', entity];
    const raw =
      rawEntities?.[entity] === undefined
        ? undefined
        : check.object(rawEntities[entity], path, ['audit', 'recordMasters', 'fields']);
    if (rawEntities && rawEntities[entity] === undefined) check.fail(path, 'is missing');
    if (!raw) continue;
    if (raw.audit !== undefined && typeof raw.audit !== 'boolean')
      check.fail([...path, 'audit'], 'must be true or false');
    const recordMasters = check.systems(raw.recordMasters, [...path, 'recordMasters']);
    if (recordMasters.length === 0) {
      check.fail(
        [...path, 'recordMasters'],
        'must name at least one system whose delete deactivates a record',
      );
    }
    const fields: EntityPolicy['fields'] = {};
    const rawFields = check.object(raw.fields, [...path, 'fields'], CUSTOMER_FIELD_NAMES);
    for (const [name, value] of Object.entries(rawFields ?? {})) {
      if (!isCustomerField(name)) continue;
      const policy = fieldPolicy(check, value, [...path, 'fields', name], name, windowSeconds);
      if (policy) fields[name] = policy;
    }
    if (rawFields && Object.keys(fields).length === 0 && check.problems.length === 0) {
      check.fail([...path, 'fields'], 'declares no field');
    }
    entities[entity] = { entity, audit: raw.audit !== false, recordMasters, fields };
  }

  const flows: FlowRule[] = [];
  if (top.flows !== undefined) {
    if (!Array.isArray(top.flows)) check.fail(['flows'], 'must be a list of flow rules');
    else {
      top.flows.forEach((item, index) => {
        const path = ['flows', String(index)];
        const raw = check.object(item, path, ['target', 'entity', 'include', 'exclude']);
        if (!raw) return;
        const target = check.system(raw.target, [...path, 'target']);
        const entity = (CUSTOMER_ENTITIES as readonly unknown[]).includes(raw.entity)
          ? (raw.entity as CustomerEntity)
          : undefined;
        if (!entity) check.fail([...path, 'entity'], `must be one of ${CUSTOMER_ENTITIES.join(', ')}`);
        const include = flowCondition(check, raw.include, [...path, 'include']);
        const exclude = flowCondition(check, raw.exclude, [...path, 'exclude']);
        if (!include && !exclude) check.fail(path, 'needs include or exclude');
        if (target && entity) flows.push({ target, entity, include, exclude });
      });
    }
  }

  const mappings = top.mappings === undefined ? {} : systemMappings(check, top.mappings, entities);

  const signals: OwnershipConfig['signals'] = {
    invoicePaid: { segment: null, paymentStatus: 'paid' },
    ticketEscalated: { segment: null },
  };
  if (top.signals !== undefined) {
    const raw = check.object(top.signals, ['signals'], ['invoice_paid', 'ticket_escalated']);
    const paid =
      raw?.invoice_paid === undefined
        ? undefined
        : check.object(raw.invoice_paid, ['signals', 'invoice_paid'], ['segment', 'paymentStatus']);
    const escalated =
      raw?.ticket_escalated === undefined
        ? undefined
        : check.object(raw.ticket_escalated, ['signals', 'ticket_escalated'], ['segment']);
    for (const [path, value] of [
      [['signals', 'invoice_paid', 'segment'], paid?.segment],
      [['signals', 'invoice_paid', 'paymentStatus'], paid?.paymentStatus],
      [['signals', 'ticket_escalated', 'segment'], escalated?.segment],
    ] as Array<[string[], unknown]>) {
      if (value !== undefined && (typeof value !== 'string' || !/\S/.test(value)))
        check.fail(path, 'must be text');
    }
    if (typeof paid?.segment === 'string') signals.invoicePaid.segment = paid.segment;
    if (typeof paid?.paymentStatus === 'string') signals.invoicePaid.paymentStatus = paid.paymentStatus;
    if (typeof escalated?.segment === 'string') signals.ticketEscalated.segment = escalated.segment;
  }

  if (check.problems.length > 0) throw new OwnershipConfigError(source, check.problems);
  return {
    version: String(top.version),
    source,
    conflictWindowSeconds: windowSeconds,
    defaultAccountOwner: String(top.defaultAccountOwner).trim(),
    entities,
    flows,
    mappings,
    signals,
  };
}

/** Parses and validates ownership YAML (JSON is YAML too); syntax errors carry their line and column. */
export function parseOwnership(text: string, source = 'ownership'): OwnershipConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new OwnershipConfigError(
      source,
      doc.errors.map((error) => error.message.split('\n')[0]),
    );
  }
  const lineOf = (path: string[]): number | undefined => {
    for (let depth = path.length; depth > 0; depth--) {
      const node = doc.getIn(
        path.slice(0, depth).map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
        true,
      ) as { range?: [number, number, number] } | undefined;
      if (node?.range) return text.slice(0, node.range[0]).split('\n').length;
    }
    return undefined;
  };
  return validateOwnership(doc.toJS() as unknown, source, lineOf);
}

export function loadOwnershipFile(path: string): OwnershipConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new OwnershipConfigError(path, [`cannot be read: ${(error as Error).message}`]);
  }
  return parseOwnership(text, path);
}

/** The policy of a field, or undefined when the file does not sync it for that entity. */
export function fieldPolicyOf(
  config: OwnershipConfig,
  entity: CustomerEntity,
  field: string,
): FieldPolicy | undefined {
  return isCustomerField(field) ? config.entities[entity].fields[field] : undefined;
}

/** Attributes a flow rule looks at, read from a record's values. */
export interface FlowRecord {
  country?: string | null;
  accountType?: string | null;
  status?: string | null;
}

/** Whether records like this one go to `target` (every rule for the target and entity must let it through). */
export function flowAllows(
  config: OwnershipConfig,
  target: SourceSystem,
  entity: CustomerEntity,
  record: FlowRecord,
): boolean {
  return config.flows
    .filter((rule) => rule.target === target && rule.entity === entity)
    .every((rule) => {
      const matches = (condition: FlowCondition) =>
        Object.entries(condition).every(([attribute, values]) => {
          const value = record[attribute as FlowAttribute];
          return typeof value === 'string' && values.includes(value);
        });
      if (rule.include && !matches(rule.include)) return false;
      if (rule.exclude && Object.keys(rule.exclude).length > 0) {
        const excluded = Object.entries(rule.exclude).some(([attribute, values]) => {
          const value = record[attribute as FlowAttribute];
          return typeof value === 'string' && values.includes(value);
        });
        if (excluded) return false;
      }
      return true;
    });
}

/**
 * Systems that only receive the entity (the address book): master, writer or record master of none
 * of its fields, they never report a record id, so no cross-reference links them to a customer.
 */
export function receiveOnlyOf(config: OwnershipConfig, entity: CustomerEntity): SourceSystem[] {
  const { fields, recordMasters } = config.entities[entity];
  const sending = new Set<SourceSystem>(recordMasters);
  for (const policy of Object.values(fields)) {
    if (!policy) continue;
    sending.add(policy.master);
    for (const writer of policy.writers) sending.add(writer);
  }
  return receiversOf(config, entity).filter((system) => !sending.has(system));
}

/** Systems that receive at least one field of the entity. */
export function receiversOf(config: OwnershipConfig, entity: CustomerEntity): SourceSystem[] {
  const all = new Set<SourceSystem>();
  for (const policy of Object.values(config.entities[entity].fields)) {
    for (const receiver of policy?.receivers ?? []) all.add(receiver);
  }
  return [...all];
}
