import {
  ContractViolation,
  validatePayload,
  type CustomerEntity,
  type SourceSystem,
} from '@switchboard/contracts';
import {
  InvalidValue,
  checkSourceTime,
  fieldPolicyOf,
  isCustomerField,
  normalizeFieldValue,
  parseTimestamp,
  toCanonical,
  toIso,
  type FieldValues,
  type OwnershipConfig,
  type SourceChange,
} from '@switchboard/master-data';

import type { RawRecord } from './record-source';

export interface LoadRecordContext {
  config: OwnershipConfig;
  system: SourceSystem;
  /** Source time of records without `changedAt` (the export's time). */
  asOf: number;
  runId: string;
  now: number;
  maxFutureSkewMs: number;
}

/** A record of the source as a change of its system, or why it cannot be one. */
export type LoadRecordOutcome =
  { ok: true; change: SourceChange } | { ok: false; externalId: string | null; reason: string };

const META_KEYS = new Set(['entity', 'externalId', 'changedAt', 'fields', 'system', 'accountExternalId']);

/**
 * One exported record as the change a live `customer_updated` of its system would be: the same
 * contract, the system's field mapping (names and formats to canonical), the same normalisation. A
 * record that fails any of them is reported with every reason and loads nothing.
 */
export function loadRecord(record: RawRecord, ctx: LoadRecordContext): LoadRecordOutcome {
  if (!record.value)
    return { ok: false, externalId: null, reason: `record ${record.number} ${record.error}` };
  const value = record.value;
  const externalId = typeof value.externalId === 'string' ? value.externalId : null;
  const fail = (reason: string): LoadRecordOutcome => ({ ok: false, externalId, reason });
  const fields: Record<string, unknown> =
    typeof value.fields === 'object' && value.fields !== null
      ? { ...(value.fields as Record<string, unknown>) }
      : Object.fromEntries(Object.entries(value).filter(([key]) => !META_KEYS.has(key)));
  // A CSV cell is text: a numeric lead score arrives as digits.
  if (typeof fields.leadScore === 'string' && /^\d+$/.test(fields.leadScore))
    fields.leadScore = Number(fields.leadScore);
  let changedAt: number;
  try {
    changedAt =
      value.changedAt === undefined || value.changedAt === '' ? ctx.asOf : parseTimestamp(value.changedAt);
  } catch (error) {
    return fail(`changedAt ${(error as Error).message}`);
  }
  const time = checkSourceTime(changedAt, ctx.now, ctx.maxFutureSkewMs);
  if (time.outcome === 'refused') return fail(`changedAt: ${time.message}`);
  const entity = (value.entity ?? 'account') as CustomerEntity;
  const accountExternalId =
    typeof value.accountExternalId === 'string' && value.accountExternalId !== ''
      ? value.accountExternalId
      : null;
  try {
    // The same contract as a live customer_updated: every wrong field named at once.
    validatePayload('customer_updated', {
      system: ctx.system,
      entity,
      externalId,
      changedAt: toIso(changedAt),
      fields,
      ...(accountExternalId !== null && { accountExternalId }),
    });
  } catch (error) {
    if (!(error instanceof ContractViolation)) throw error;
    return fail(error.errors.map((e) => `${e.field.replace(/^fields\./, '')}: ${e.message}`).join('; '));
  }
  const mapped = toCanonical(ctx.config.mappings, ctx.system, entity, fields);
  if (mapped.problems.length > 0)
    return fail(mapped.problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  const values: FieldValues = {};
  for (const [field, rawValue] of Object.entries(mapped.fields)) {
    if (!isCustomerField(field) || !fieldPolicyOf(ctx.config, entity, field)) continue;
    try {
      values[field] = normalizeFieldValue(field, rawValue);
    } catch (error) {
      if (!(error instanceof InvalidValue)) throw error;
      return fail(error.message);
    }
  }
  return {
    ok: true,
    change: {
      system: ctx.system,
      entity,
      externalId: externalId!,
      changedAt,
      fields: values,
      accountExternalId: entity === 'contact' ? accountExternalId : null,
      eventId: null,
      actor: `load:${ctx.runId}`,
      reason: 'initial_load',
    },
  };
}
