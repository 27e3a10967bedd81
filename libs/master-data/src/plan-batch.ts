import { planChange } from './plan';
import {
  addTally,
  emailCandidateKey,
  emptyPlan,
  matchKeysOf,
  refKey,
  type CustomerRecord,
  type Plan,
  type PlanContext,
  type RecordWrite,
  type Rejection,
  type Snapshot,
  type SourceChange,
} from './plan-model';
import type { OwnershipConfig } from './ownership';

/** The keys of `writes` in the match candidates, as the records stand now (an update may change its e-mail). */
function reindex(s: Snapshot, before: CustomerRecord | undefined, write: RecordWrite): void {
  const drop = (map: Map<string, string[]>, key: string | null, id: string) => {
    if (key === null) return;
    const list = map.get(key);
    if (list)
      map.set(
        key,
        list.filter((x) => x !== id),
      );
  };
  const add = (map: Map<string, string[]>, key: string | null, id: string) => {
    if (key === null) return;
    const list = map.get(key) ?? [];
    if (!list.includes(id)) map.set(key, [...list, id]);
  };
  const id = write.record.id;
  if (before && before.status === 'active') {
    const keys = matchKeysOf(before.data);
    drop(s.byEmail, keys.email && emailCandidateKey(before.entity, keys.email), id);
    if (before.entity === 'account') drop(s.byVat, keys.vat, id);
  }
  if (write.record.status !== 'active') return;
  add(s.byEmail, write.emailKey && emailCandidateKey(write.record.entity, write.emailKey), id);
  if (write.record.entity === 'account') add(s.byVat, write.vatKey, id);
}

/** A batch being planned: the snapshot as the changes so far left it, and their plan. */
class Batch {
  readonly plan = emptyPlan();
  /** Where each customer's write is in the plan. */
  private readonly writes = new Map<string, { list: RecordWrite[]; index: number }>();
  /** Contacts waiting for an account, by `system:externalId`. */
  private readonly waiting = new Map<string, Set<string>>();

  constructor(readonly s: Snapshot) {
    for (const record of s.customers.values()) this.noteWaiting(record);
  }

  private noteWaiting(record: CustomerRecord): void {
    if (record.parentRef === null || record.parentId !== null) return;
    const ids = this.waiting.get(record.parentRef) ?? new Set<string>();
    ids.add(record.id);
    this.waiting.set(record.parentRef, ids);
  }

  private write(list: RecordWrite[], write: RecordWrite): void {
    const s = this.s;
    reindex(s, s.customers.get(write.record.id), write);
    s.customers.set(write.record.id, write.record);
    this.noteWaiting(write.record);
    const at = this.writes.get(write.record.id);
    if (at) at.list[at.index] = write;
    else this.writes.set(write.record.id, { list, index: list.push(write) - 1 });
  }

  /** What a plan changed, folded into the snapshot (the next change sees it as a live one would), and added to the batch's plan. */
  add(next: Plan): void {
    const s = this.s;
    const into = this.plan;
    for (const write of next.inserts) this.write(into.inserts, write);
    for (const write of next.updates) this.write(into.updates, write);
    for (const x of next.newXrefs) {
      s.refs.set(refKey(x.system, x.entity, x.externalId), x);
      s.xrefs.set(x.customerId, [...(s.xrefs.get(x.customerId) ?? []), x]);
    }
    for (const change of next.xrefStatus) {
      const key = refKey(change.system, change.entity, change.externalId);
      const found = s.refs.get(key);
      if (!found) continue;
      const updated = { ...found, status: change.status };
      s.refs.set(key, updated);
      s.xrefs.set(
        found.customerId,
        (s.xrefs.get(found.customerId) ?? []).map((x) => (x === found ? updated : x)),
      );
    }
    for (const adoption of next.adoptions) {
      for (const id of this.waiting.get(adoption.parentRef) ?? []) {
        const record = s.customers.get(id);
        if (record && record.parentRef === adoption.parentRef && record.parentId === null)
          s.customers.set(id, { ...record, parentId: adoption.accountId, parentRef: null });
      }
      this.waiting.delete(adoption.parentRef);
    }
    for (const write of next.conflictReviews) {
      const review = write.review;
      const others = (s.reviews.get(review.customerId) ?? []).filter((r) => r.id !== review.id);
      s.reviews.set(review.customerId, [...others, review]);
      const at = into.conflictReviews.findIndex((w) => w.review.id === review.id);
      if (at < 0) into.conflictReviews.push(write);
      // A review opened earlier in the batch is still inserted, with every candidate.
      else into.conflictReviews[at] = { ...into.conflictReviews[at], review };
    }
    for (const settled of next.settledEchoes) {
      const list = s.echoes.get(settled.customerId) ?? [];
      s.echoes.set(
        settled.customerId,
        list.filter((e) => e.field !== settled.field || BigInt(e.seq) > BigInt(settled.seq)),
      );
    }
    addTally(into.tally, next.tally);
    into.newXrefs.push(...next.newXrefs);
    into.xrefStatus.push(...next.xrefStatus);
    into.xrefMoves.push(...next.xrefMoves);
    into.adoptions.push(...next.adoptions);
    into.childMoves.push(...next.childMoves);
    into.audits.push(...next.audits);
    into.refusals.push(...next.refusals);
    into.matchReviews.push(...next.matchReviews);
    into.reviewMoves.push(...next.reviewMoves);
    into.settledEchoes.push(...next.settledEchoes);
    into.sent.push(...next.sent);
    into.events.push(...next.events);
  }
}

/**
 * The changes of a batch in order, each planned by `planChange` against the snapshot as the ones
 * before it left it: one plan for the batch, the same rules as one change at a time. A change
 * rejected as a whole adds nothing but its index.
 */
export function planBatch(
  snapshot: Snapshot,
  config: OwnershipConfig,
  changes: readonly SourceChange[],
  ctx: PlanContext,
): { plan: Plan; rejected: Array<{ index: number; rejection: Rejection }> } {
  const batch = new Batch(snapshot);
  const rejected: Array<{ index: number; rejection: Rejection }> = [];
  changes.forEach((change, index) => {
    const next = planChange(snapshot, config, change, ctx);
    if (next.rejected) rejected.push({ index, rejection: next.rejected });
    else batch.add(next);
  });
  return { plan: batch.plan, rejected };
}
