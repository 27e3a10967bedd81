import type { FieldValue } from './fields';
import { isBlank, mergeText, valuesEqual } from './normalize';
import type { FieldPolicy } from './ownership';

/** What the canonical record knows about one field: its value and who set it when. */
export interface FieldState {
  value: FieldValue;
  /** The system whose change set the current value (or `switchboard` for a steward's decision). */
  system: string;
  /** Source timestamp of the current value, epoch ms. */
  at: number;
  /** Newest source timestamp seen from each system for this field, epoch ms. */
  seen: Record<string, number>;
}

export interface IncomingValue {
  system: string;
  value: FieldValue;
  at: number;
}

export type FieldDecision =
  /** Written; `conflict` when it raced another system's change and won by the strategy. */
  | { outcome: 'applied'; value: FieldValue; conflict: boolean }
  /** Same value as the canonical one: nothing to do. */
  | { outcome: 'unchanged' }
  /** The value Switchboard itself sent to this system, coming back: dropped. */
  | { outcome: 'echo' }
  /** Older than what is already applied: never overwrites the newer value. */
  | { outcome: 'stale'; conflict: boolean }
  /** Refused, counted and kept visible: the system may not change this field, or not to this value. */
  | { outcome: 'refused'; reason: 'not_owner' | 'required' | 'future_timestamp'; message: string }
  /** A source-of-truth conflict the master won: the incoming value is not applied. */
  | { outcome: 'lost' }
  /** Manual review: held until a person decides. */
  | { outcome: 'review' };

export interface DecisionContext {
  /** The incoming value equals one Switchboard sent to this system and it has not come back yet. */
  echo: boolean;
  /** A review of this field is open: later values join it instead of being applied. */
  reviewOpen: boolean;
  /**
   * The latest source timestamp believed (epoch ms): now plus the allowed clock skew. A later one is
   * refused, never clamped: it would otherwise win every later comparison and pin the field.
   */
  notAfter?: number;
}

/** The allowed clock skew of a source system's timestamps when none is configured: 5 minutes. */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 5 * 60_000;

export type SourceTimeCheck =
  { outcome: 'accepted' } | { outcome: 'refused'; reason: 'future_timestamp'; message: string };

/**
 * A source timestamp later than `now` plus the allowed skew is refused (not clamped: a clamped
 * `9999-12-31` would still beat every honest change made within the skew). Pure: `now` is given.
 */
export function checkSourceTime(at: number, now: number, maxFutureSkewMs: number): SourceTimeCheck {
  if (!Number.isFinite(at)) {
    return { outcome: 'refused', reason: 'future_timestamp', message: 'the source timestamp is not a time' };
  }
  if (at <= now + maxFutureSkewMs) return { outcome: 'accepted' };
  return {
    outcome: 'refused',
    reason: 'future_timestamp',
    message: `the source timestamp ${new Date(at).toISOString()} is ${Math.round((at - now) / 1000)} s in the future (at most ${Math.round(maxFutureSkewMs / 1000)} s of clock skew allowed); the change is not applied`,
  };
}

/** Deterministic tie-break for equal timestamps: the master first, then by system name. */
function winsTie(policy: FieldPolicy, incoming: string, current: string): boolean {
  if (incoming === policy.master) return true;
  if (current === policy.master) return false;
  return incoming < current;
}

/**
 * The per-field rule of the ownership file, as a pure function: ownership (the read-only rule of
 * non-master systems), required fields, echoes, out-of-order delivery, and the conflict strategy
 * when two systems change the field within the conflict window.
 */
export function decideField(
  policy: FieldPolicy,
  state: FieldState | undefined,
  incoming: IncomingValue,
  context: DecisionContext,
): FieldDecision {
  const current = state?.value ?? null;
  if (context.notAfter !== undefined) {
    const time = checkSourceTime(incoming.at, context.notAfter, 0);
    if (time.outcome === 'refused') return time;
  }
  // A value Switchboard sent to this system coming back is never a change, whoever owns the field.
  if (context.echo) return { outcome: 'echo' };
  const allowed = incoming.system === policy.master || policy.writers.includes(incoming.system as never);
  if (!allowed) {
    if (valuesEqual(current, incoming.value)) return { outcome: 'unchanged' };
    return {
      outcome: 'refused',
      reason: 'not_owner',
      message: `${incoming.system} does not own ${policy.field} (master: ${policy.master}${
        policy.writers.length ? `, writers: ${policy.writers.join(', ')}` : ''
      }); the change is not applied`,
    };
  }
  if (policy.required && isBlank(incoming.value)) {
    return {
      outcome: 'refused',
      reason: 'required',
      message: `${policy.field} is required and cannot be cleared (received ${
        incoming.value === null ? 'null' : 'an empty value'
      })`,
    };
  }
  const lastFromSystem = state?.seen[incoming.system];
  if (lastFromSystem !== undefined && incoming.at < lastFromSystem)
    return { outcome: 'stale', conflict: false };
  if (context.echo) return { outcome: 'echo' };
  if (!state) return { outcome: 'applied', value: incoming.value, conflict: false };

  if (policy.strategy === 'merge') {
    const merged = mergeText(current, incoming.value);
    return valuesEqual(merged, current)
      ? { outcome: 'unchanged' }
      : { outcome: 'applied', value: merged, conflict: false };
  }
  if (valuesEqual(current, incoming.value)) return { outcome: 'unchanged' };

  const otherSystem = state.system !== incoming.system;
  const concurrent = otherSystem && Math.abs(incoming.at - state.at) <= policy.conflictWindowMs;
  const newer =
    incoming.at > state.at || (incoming.at === state.at && winsTie(policy, incoming.system, state.system));

  switch (policy.strategy) {
    case 'last_writer_wins':
      return newer
        ? { outcome: 'applied', value: incoming.value, conflict: concurrent }
        : { outcome: 'stale', conflict: concurrent };
    case 'source_of_truth': {
      if (concurrent) {
        // The master's value wins a race whatever the arrival order, so every order converges.
        if (incoming.system === policy.master)
          return { outcome: 'applied', value: incoming.value, conflict: true };
        if (state.system === policy.master) return { outcome: 'lost' };
      }
      return newer
        ? { outcome: 'applied', value: incoming.value, conflict: concurrent }
        : { outcome: 'stale', conflict: false };
    }
    case 'manual_review':
      if (context.reviewOpen || concurrent) return { outcome: 'review' };
      return newer
        ? { outcome: 'applied', value: incoming.value, conflict: false }
        : { outcome: 'stale', conflict: false };
  }
}

/** The field state after a value was applied (or seen) from a system at a time. */
export function nextFieldState(
  state: FieldState | undefined,
  incoming: IncomingValue,
  applied: FieldValue | undefined,
): FieldState {
  const seen = { ...(state?.seen ?? {}) };
  seen[incoming.system] = Math.max(seen[incoming.system] ?? incoming.at, incoming.at);
  if (applied === undefined && state) return { ...state, seen };
  return {
    value: applied === undefined ? incoming.value : applied,
    system: incoming.system,
    at: state ? Math.max(state.at, incoming.at) : incoming.at,
    seen,
  };
}
