import type { CustomerSyncedV1 } from '@switchboard/contracts';

/**
 * The version that last wrote each field of a customer (a field not listed: never written).
 * `fields` is null for a customer applied before fields were tracked: each field then counts as
 * written by `applied`.
 */
export interface FieldVersions {
  applied: number;
  fields: Record<string, number> | null;
}

/**
 * What of a `customer_synced` is still news: each field whose last write came from an older
 * version. Field by field rather than by the whole record, so an older version arriving late (a
 * dead letter replayed after the data was fixed) still applies what no later version changed,
 * and never undoes what one did. A deactivation counts as news only when it is the newest.
 */
export function freshFields(
  sync: CustomerSyncedV1,
  known: FieldVersions | null,
): CustomerSyncedV1['fields'] | null {
  if (!known) return sync.fields;
  if (sync.action === 'deactivate') return sync.version > known.applied ? sync.fields : null;
  const fresh = Object.fromEntries(
    Object.entries(sync.fields).filter(
      ([field]) => sync.version > (known.fields ? (known.fields[field] ?? 0) : known.applied),
    ),
  );
  return Object.keys(fresh).length > 0 ? fresh : null;
}

/** The field versions once `sync` applied `fields`. */
export function afterApplying(
  sync: CustomerSyncedV1,
  fields: CustomerSyncedV1['fields'],
  known: FieldVersions | null,
): Required<FieldVersions> {
  return {
    applied: Math.max(known?.applied ?? 0, sync.version),
    fields: {
      ...known?.fields,
      ...Object.fromEntries(Object.keys(fields).map((field) => [field, sync.version])),
    },
  };
}
