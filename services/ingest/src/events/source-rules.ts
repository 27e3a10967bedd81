import type { EventMap, EventType, SourceSystem } from '@switchboard/contracts';

import { IngestError, IngestErrorCode } from './ingest.errors';

/**
 * A source speaks only for itself: a `customer_updated` whose payload names another system than
 * the one whose secret signed the request is refused (403). Otherwise a marketing tool could post
 * `{"system": "crm"}` and overwrite CRM-owned fields, delete or merge CRM records.
 */
export function checkSourceOwnsPayload<T extends EventType>(
  source: SourceSystem,
  type: T,
  data: EventMap[T],
): void {
  if (type !== 'customer_updated') return;
  const system = (data as EventMap['customer_updated']).system;
  if (system !== source) {
    throw new IngestError(
      IngestErrorCode.SystemMismatch,
      `Source "${source}" may only send its own records: data.system is "${system}"`,
      [{ field: 'data.system', message: `must be "${source}", the signed source` }],
    );
  }
}

/** The source timestamps of each event type, besides the envelope's `time`. */
const SOURCE_TIMES: { [T in EventType]?: ReadonlyArray<keyof EventMap[T] & string> } = {
  customer_updated: ['changedAt'],
  invoice_paid: ['paidAt'],
  ticket_escalated: ['escalatedAt'],
};

/**
 * A timestamp later than now plus the allowed clock skew is refused (400, naming the field), never
 * clamped: a `changedAt` of 9999-12-31 would win every later last-writer-wins comparison for good.
 */
export function checkNotInFuture<T extends EventType>(
  request: { type: T; time?: string },
  data: EventMap[T],
  now: number,
  maxSkewMs: number,
): void {
  const limit = now + maxSkewMs;
  const fields: Array<{ field: string; message: string }> = [];
  const check = (field: string, value: unknown) => {
    if (typeof value !== 'string') return;
    const at = Date.parse(value);
    if (!Number.isFinite(at) || at > limit) {
      fields.push({
        field,
        message: `must not be later than now plus ${Math.round(maxSkewMs / 1000)} s of clock skew (${new Date(limit).toISOString()})`,
      });
    }
  };
  check('time', request.time);
  for (const name of SOURCE_TIMES[request.type] ?? []) {
    check(`data.${name}`, data[name]);
  }
  if (fields.length > 0) {
    throw new IngestError(
      IngestErrorCode.FutureTimestamp,
      `Timestamps in the future: ${fields.map((f) => f.field).join(', ')}`,
      fields,
    );
  }
}
