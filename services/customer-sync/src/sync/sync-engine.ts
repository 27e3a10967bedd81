import type { EntityManager } from 'typeorm';

import { timeOrderedUuid, type SourceSystem, type SyncedFields } from '@switchboard/contracts';
import { EventRejected } from '@switchboard/inbox';
import {
  DEFAULT_MAX_FUTURE_SKEW_MS,
  emailCandidateKey,
  emptySnapshot,
  envelopeOf,
  matchKeysOfChange,
  normalizeChange,
  planChange,
  planDecided,
  planMerge,
  planPublishAll,
  primaryRefs,
  refKey,
  toSystem,
  type CustomerFieldName,
  type CustomerRecord,
  type DecidedOrigin,
  type FieldValues,
  type Origin,
  type OwnershipConfig,
  type PlanContext,
  type Rejection,
  type Snapshot,
} from '@switchboard/master-data';

import { CustomerStore } from './customer-store';
import { applyPlanRowByRow } from './plan-executors';
import { inTargetTerms } from './target-terms';
import type { IncomingChange, SyncSink, SyncTally } from './sync.types';

export interface EngineOptions {
  echoTtlHours: number;
  /** Source timestamps later than now plus this are refused (CUSTOMER_SYNC_MAX_FUTURE_SKEW_SECONDS). */
  maxFutureSkewMs?: number;
  /** The clock, for tests. */
  now?: () => number;
}

export interface ApplyResult {
  tally: SyncTally;
  customerId: string | null;
}

/** A plan that refuses a new record as a whole: the event is rejected (dead-lettered with its reason). */
function rejectedError(rejection: Rejection, change: IncomingChange): EventRejected {
  const { entity, missing } = rejection;
  return new EventRejected(
    rejection.reason,
    `A new ${entity} needs ${missing.join(', ')}; ${change.system} ${entity} ${change.externalId} has ${
      missing.length > 1 ? 'none of them' : 'none'
    } (null or empty): refused`,
    missing.map((field) => ({
      field: `data.fields.${field}`,
      message: `${field} is required for a new ${entity}`,
    })),
  );
}

/**
 * A live change in the caller's transaction: load the snapshot it touches (locking its customers),
 * plan with the rules of `@switchboard/master-data`, apply the plan row by row.
 */
export class SyncEngine {
  constructor(
    private readonly config: OwnershipConfig,
    private readonly options: EngineOptions,
  ) {}

  private context(): PlanContext {
    return {
      now: (this.options.now ?? Date.now)(),
      maxFutureSkewMs: this.options.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS,
      newId: () => timeOrderedUuid(),
      sendToLinked: true,
      publish: true,
    };
  }

  async apply(m: EntityManager, change: IncomingChange, sink: SyncSink): Promise<ApplyResult> {
    const snapshot = await this.loadSnapshot(new CustomerStore(m), change);
    const plan = planChange(snapshot, this.config, change, this.context());
    if (plan.rejected) throw rejectedError(plan.rejected, change);
    await applyPlanRowByRow(m, inTargetTerms(this.config, plan), sink);
    return { tally: plan.tally, customerId: plan.customerId };
  }

  /**
   * What the change may touch: its cross-reference and customer, or the candidates a new record is
   * matched against (under the matching lock), its account, a merge's survivor; with their
   * cross-references, open reviews and the values sent to the change's system.
   */
  private async loadSnapshot(store: CustomerStore, change: IncomingChange): Promise<Snapshot> {
    const s = emptySnapshot();
    const ids: string[] = [];
    const accounts: string[] = [];
    const remember = async (into: string[], system: string, entity: string, externalId: string) => {
      const found = await store.findXref(system, entity, externalId);
      s.refs.set(refKey(system, entity, externalId), found);
      if (found) into.push(found.customerId);
    };
    if (change.targetCustomerId) {
      ids.push(change.targetCustomerId);
    } else {
      let own = await store.findXref(change.system, change.entity, change.externalId);
      if (!own && !change.deleted) {
        await store.lockMatching();
        own = await store.findXref(change.system, change.entity, change.externalId);
      }
      s.refs.set(refKey(change.system, change.entity, change.externalId), own);
      if (own) ids.push(own.customerId);
      if (change.deleted && change.mergedIntoExternalId)
        await remember(ids, change.system, change.entity, change.mergedIntoExternalId);
      if (!own && !change.deleted) {
        if (change.switchboardCustomerId) ids.push(change.switchboardCustomerId);
        const keys = matchKeysOfChange(change.entity, normalizeChange(this.config, change).values);
        if (keys.email) {
          const found = await store.candidatesByEmail(change.entity, keys.email);
          s.byEmail.set(emailCandidateKey(change.entity, keys.email), found);
          ids.push(...found);
        }
        if (keys.vat) {
          const found = await store.candidatesByVat(keys.vat);
          s.byVat.set(keys.vat, found);
          ids.push(...found);
        }
      }
    }
    if (change.entity === 'contact' && change.accountExternalId)
      await remember(accounts, change.system, 'account', change.accountExternalId);
    const echoes = { target: change.system, ttlHours: this.options.echoTtlHours };
    await store.loadCustomers(s, ids, echoes, accounts);
    return s;
  }

  private async plainSnapshot(store: CustomerStore, ids: string[]): Promise<Snapshot> {
    const s = emptySnapshot();
    await store.loadCustomers(s, ids, null);
    return s;
  }

  /**
   * Writes values decided by Switchboard itself (a steward's decision, a finance signal) and publishes
   * them to their receivers, skipping `skipTarget` (the system the chosen value came from).
   */
  async applyDecided(
    m: EntityManager,
    customerId: string,
    values: FieldValues,
    origin: DecidedOrigin,
    sink: SyncSink,
  ): Promise<CustomerFieldName[]> {
    const store = new CustomerStore(m);
    const snapshot = await this.plainSnapshot(store, [customerId]);
    if (!snapshot.customers.has(customerId)) throw new Error(`customer ${customerId} does not exist`);
    const { plan, changed } = planDecided(snapshot, this.config, customerId, values, origin, this.context());
    await applyPlanRowByRow(m, inTargetTerms(this.config, plan), sink);
    return changed;
  }

  /** Every field of the customer to the receivers that have not had the record. */
  async publishAll(m: EntityManager, customerId: string, origin: Origin, sink: SyncSink): Promise<void> {
    const snapshot = await this.plainSnapshot(new CustomerStore(m), [customerId]);
    await applyPlanRowByRow(
      m,
      inTargetTerms(this.config, planPublishAll(snapshot, this.config, customerId, origin, this.context())),
      sink,
    );
  }

  /** Merges `loserId` into `survivorId`: cross-references, contacts, open reviews, missing values and notes. */
  async mergeCustomers(
    m: EntityManager,
    loserId: string,
    survivorId: string,
    origin: Origin,
    sink: SyncSink,
  ): Promise<void> {
    const snapshot = await this.plainSnapshot(new CustomerStore(m), [loserId, survivorId]);
    await applyPlanRowByRow(
      m,
      inTargetTerms(
        this.config,
        planMerge(snapshot, this.config, loserId, survivorId, origin, this.context()),
      ),
      sink,
    );
  }

  /** For signals: the customer's receivable fields, as a target-addressed event without the ownership rules. */
  async publishDirect(
    m: EntityManager,
    customer: CustomerRecord,
    target: SourceSystem,
    fields: Partial<SyncedFields>,
    origin: Origin,
    sink: SyncSink,
  ): Promise<void> {
    const xrefs = (await new CustomerStore(m).xrefsOf([customer.id])).get(customer.id) ?? [];
    await sink.publish('customer_synced', {
      ...envelopeOf(customer, target, origin, primaryRefs(xrefs)),
      action: 'upsert',
      fields: toSystem(this.config.mappings, target, customer.entity, fields),
    });
  }
}
