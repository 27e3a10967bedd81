import { randomUUID } from 'node:crypto';

import type { EntityManager } from 'typeorm';

import { buildCloudEvent, type CloudEvent } from '@switchboard/contracts';
import type { ConflictReviewWrite, MatchReview, Plan } from '@switchboard/master-data';
import type { OutboxWriter } from '@switchboard/outbox';

import { CustomerStore } from './customer-store';
import { CUSTOMER_SYNC_SOURCE } from './outbox-sink';
import type { SyncSink } from './sync.types';

// The two ways a plan reaches the database: one statement per write for a live event (few rows,
// the lowest latency), set-based for a batch of thousands. Both write every kind of row of the
// plan in the same order and decide nothing: what to write is the planner's.

async function upsertMatchReview(m: EntityManager, review: MatchReview): Promise<void> {
  // One open review per record: a later change of the same record replaces the held one.
  await m.query(
    `INSERT INTO review_item (id, kind, customer_id, entity, system, external_id, candidates, incoming, reason)
     VALUES ($1, 'ambiguous_match', NULL, $2, $3, $4, $5::jsonb, $6::jsonb, $7)
     ON CONFLICT (system, entity, external_id) WHERE status = 'open' AND kind = 'ambiguous_match'
     DO UPDATE SET incoming = EXCLUDED.incoming, candidates = EXCLUDED.candidates`,
    [
      review.id,
      review.entity,
      review.system,
      review.externalId,
      JSON.stringify(review.candidates),
      JSON.stringify(review.incoming),
      review.reason,
    ],
  );
}

async function writeConflictReview(m: EntityManager, write: ConflictReviewWrite): Promise<void> {
  const review = write.review;
  if (!write.opened) {
    await m.query(`UPDATE review_item SET candidates = $2::jsonb WHERE id = $1`, [
      review.id,
      JSON.stringify(review.candidates),
    ]);
    return;
  }
  await m.query(
    `INSERT INTO review_item (id, kind, customer_id, entity, field, system, external_id, candidates, reason)
     VALUES ($1, 'conflict', $2, $3, $4, $5, $6, $7::jsonb, $8)`,
    [
      review.id,
      review.customerId,
      write.entity,
      review.field,
      write.system,
      write.externalId,
      JSON.stringify(review.candidates),
      write.reason,
    ],
  );
}

async function moveReviews(m: EntityManager, plan: Plan): Promise<void> {
  for (const move of plan.reviewMoves) {
    await m.query(`UPDATE review_item SET customer_id = $2 WHERE id = ANY($1::uuid[])`, [move.ids, move.to]);
  }
}

/** A live change: each write on its own, the events through the caller's sink (inbox or outbox). */
export async function applyPlanRowByRow(m: EntityManager, plan: Plan, sink: SyncSink): Promise<void> {
  const store = new CustomerStore(m);
  for (const write of plan.inserts) await store.insertCustomer(write);
  for (const xref of plan.newXrefs) await store.insertXref(xref);
  for (const s of plan.xrefStatus) await store.setXrefStatus(s.system, s.entity, s.externalId, s.status);
  for (const move of plan.xrefMoves) await store.moveXrefs(move.from, move.to);
  for (const write of plan.updates) await store.saveCustomer(write);
  for (const move of plan.childMoves) await store.moveChildren(move.from, move.to);
  for (const a of plan.adoptions) await store.adoptWaitingContacts([a.parentRef], [a.accountId]);
  await store.audit(plan.audits);
  await store.refuse(plan.refusals);
  for (const review of plan.matchReviews) await upsertMatchReview(m, review);
  for (const write of plan.conflictReviews) await writeConflictReview(m, write);
  await moveReviews(m, plan);
  await store.settleEchoes(plan.settledEchoes);
  await store.rememberSent(plan.sent);
  for (const event of plan.events) await sink.publish('customer_synced', event);
}

const EVENTS_PER_INSERT = 2000;

/** A batch: one statement per kind of row, the events into the outbox in chunks. */
export async function applyPlanSetBased(m: EntityManager, plan: Plan, outbox: OutboxWriter): Promise<void> {
  const store = new CustomerStore(m);
  if (plan.inserts.length > 0) {
    await m.query(
      `INSERT INTO customer (id, entity, parent_id, parent_ref, data, meta, email_key, vat_key, version, synced_targets)
       SELECT id, entity, parent_id, parent_ref, data, meta, email_key, vat_key, version, string_to_array(targets, ',')
       FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[], $7::text[], $8::text[], $9::int[], $10::text[])
         AS t(id, entity, parent_id, parent_ref, data, meta, email_key, vat_key, version, targets)`,
      [
        plan.inserts.map((w) => w.record.id),
        plan.inserts.map((w) => w.record.entity),
        plan.inserts.map((w) => w.record.parentId),
        plan.inserts.map((w) => w.record.parentRef),
        plan.inserts.map((w) => JSON.stringify(w.record.data)),
        plan.inserts.map((w) => JSON.stringify(w.record.meta)),
        plan.inserts.map((w) => w.emailKey),
        plan.inserts.map((w) => w.vatKey),
        plan.inserts.map((w) => w.record.version),
        plan.inserts.map((w) => w.record.syncedTargets.join(',')),
      ],
    );
  }
  if (plan.newXrefs.length > 0) {
    await m.query(
      `INSERT INTO customer_xref (system, entity, external_id, customer_id, matched_by)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], $5::text[])`,
      [
        plan.newXrefs.map((x) => x.system),
        plan.newXrefs.map((x) => x.entity),
        plan.newXrefs.map((x) => x.externalId),
        plan.newXrefs.map((x) => x.customerId),
        plan.newXrefs.map((x) => x.matchedBy),
      ],
    );
  }
  if (plan.xrefStatus.length > 0) {
    await m.query(
      `UPDATE customer_xref x SET status = t.status
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(system, entity, external_id, status)
       WHERE x.system = t.system AND x.entity = t.entity AND x.external_id = t.external_id`,
      [
        plan.xrefStatus.map((s) => s.system),
        plan.xrefStatus.map((s) => s.entity),
        plan.xrefStatus.map((s) => s.externalId),
        plan.xrefStatus.map((s) => s.status),
      ],
    );
  }
  for (const move of plan.xrefMoves) await store.moveXrefs(move.from, move.to);
  if (plan.updates.length > 0) {
    await m.query(
      `UPDATE customer c SET data = u.data, meta = u.meta, email_key = u.email_key, vat_key = u.vat_key,
         version = u.version, synced_targets = string_to_array(u.targets, ','), parent_id = u.parent_id,
         parent_ref = u.parent_ref, status = u.status, merged_into = u.merged_into, updated_at = now(),
         deactivated_at = CASE WHEN u.status = 'active' THEN NULL ELSE COALESCE(c.deactivated_at, now()) END
       FROM unnest($1::uuid[], $2::jsonb[], $3::jsonb[], $4::text[], $5::text[], $6::int[], $7::text[], $8::uuid[], $9::text[], $10::text[], $11::uuid[])
         AS u(id, data, meta, email_key, vat_key, version, targets, parent_id, parent_ref, status, merged_into)
       WHERE c.id = u.id`,
      [
        plan.updates.map((w) => w.record.id),
        plan.updates.map((w) => JSON.stringify(w.record.data)),
        plan.updates.map((w) => JSON.stringify(w.record.meta)),
        plan.updates.map((w) => w.emailKey),
        plan.updates.map((w) => w.vatKey),
        plan.updates.map((w) => w.record.version),
        plan.updates.map((w) => w.record.syncedTargets.join(',')),
        plan.updates.map((w) => w.record.parentId),
        plan.updates.map((w) => w.record.parentRef),
        plan.updates.map((w) => w.record.status),
        plan.updates.map((w) => w.record.mergedInto),
      ],
    );
  }
  for (const move of plan.childMoves) await store.moveChildren(move.from, move.to);
  await store.adoptWaitingContacts(
    plan.adoptions.map((a) => a.parentRef),
    plan.adoptions.map((a) => a.accountId),
  );
  await store.audit(plan.audits);
  await store.refuse(plan.refusals);
  for (const review of plan.matchReviews) await upsertMatchReview(m, review);
  for (const write of plan.conflictReviews) await writeConflictReview(m, write);
  await moveReviews(m, plan);
  await store.settleEchoes(plan.settledEchoes);
  await store.rememberSent(plan.sent);
  const events: CloudEvent[] = plan.events.map((data) =>
    buildCloudEvent({ id: randomUUID(), source: CUSTOMER_SYNC_SOURCE, type: 'customer_synced', data }),
  );
  for (let i = 0; i < events.length; i += EVENTS_PER_INSERT)
    await outbox.enqueueEvents(m, events.slice(i, i + EVENTS_PER_INSERT));
}
