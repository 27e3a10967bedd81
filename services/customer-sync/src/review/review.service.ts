import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

import { OutboxWriter } from '@switchboard/outbox';
import {
  InvalidValue,
  fieldPolicyOf,
  normalizeFieldValue,
  parseTimestamp,
  type CustomerFieldName,
  type FieldValue,
  type Origin,
  type OwnershipConfig,
} from '@switchboard/master-data';
import { isSourceSystem, type SourceSystem } from '@switchboard/contracts';

import type { ApiCaller } from '@switchboard/platform';
import { SyncRules } from '../config/sync-rules';
import { CustomerStore } from '../sync/customer-store';
import { outboxSink } from '../sync/outbox-sink';
import type { SyncEngine } from '../sync/sync-engine';
import type { IncomingChange } from '../sync/sync.types';
import type { ReviewItemDto } from './dto/review-item.dto';
import type { ResolveReviewDto } from './resolve-review.dto';
import { ReviewDecisionError, decideReview, mergeLosers, type ReviewDecision } from './review-decision';

interface ReviewRow {
  id: string;
  kind: 'conflict' | 'ambiguous_match';
  status: 'open' | 'resolved';
  customer_id: string | null;
  entity: 'account' | 'contact';
  field: CustomerFieldName | null;
  candidates: Array<{ system?: string; value?: FieldValue; changedAt?: string; customerId?: string }>;
  incoming: (Omit<IncomingChange, 'changedAt'> & { changedAt: string }) | null;
}

const VIEW = `id, kind, status, customer_id AS "customerId", entity, field, system, external_id AS "externalId",
  candidates, reason, created_at AS "createdAt", resolved_at AS "resolvedAt", resolved_by AS "resolvedBy", resolution`;

@Injectable()
export class ReviewService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    private readonly rules: SyncRules,
  ) {}

  /** The engine of the rules in force (the ownership file reloads without a restart). */
  private get engine(): SyncEngine {
    return this.rules.current().engine;
  }

  private get config(): OwnershipConfig {
    return this.rules.current().config;
  }

  list(status: string, kind?: string): Promise<ReviewItemDto[]> {
    return this.dataSource.query(
      `SELECT ${VIEW} FROM review_item WHERE status = $1 AND ($2::text IS NULL OR kind = $2) ORDER BY created_at, id LIMIT 500`,
      [status, kind ?? null],
    );
  }

  async get(id: string): Promise<ReviewItemDto | null> {
    const rows: ReviewItemDto[] = await this.dataSource.query(
      `SELECT ${VIEW} FROM review_item WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** The decision is applied and published like any change, in one transaction with the resolution. */
  async resolve(id: string, body: ResolveReviewDto, caller: ApiCaller): Promise<ReviewItemDto | null> {
    await this.dataSource.transaction(async (m) => {
      const rows: ReviewRow[] = await m.query(
        `SELECT id, kind, status, customer_id, entity, field, candidates, incoming FROM review_item WHERE id = $1 FOR UPDATE`,
        [id],
      );
      const item = rows[0];
      if (!item) throw new NotFoundException(`No review item ${id}`);
      if (item.status !== 'open') throw new ConflictException(`Review item ${id} is already resolved`);
      const decision = asBadRequest(() => decideReview(item, body));
      const sink = outboxSink(this.outbox, m);
      const actor = `steward:${caller.name}`;
      let resolution: Record<string, unknown>;
      switch (decision.kind) {
        case 'candidate':
        case 'value':
          resolution = await this.resolveConflict(m, item, decision, actor, sink);
          break;
        case 'link':
        case 'create':
        case 'merge':
          resolution = await this.resolveMatch(m, item, decision, actor, sink);
          break;
      }
      await m.query(
        `UPDATE review_item SET status = 'resolved', resolved_at = now(), resolved_by = $2, resolution = $3::jsonb WHERE id = $1`,
        [id, actor, JSON.stringify(resolution)],
      );
    });
    return this.get(id);
  }

  private async resolveConflict(
    m: EntityManager,
    item: ReviewRow,
    decision: Extract<ReviewDecision, { kind: 'candidate' | 'value' }>,
    actor: string,
    sink: ReturnType<typeof outboxSink>,
  ): Promise<Record<string, unknown>> {
    const field = item.field!;
    let value: FieldValue;
    let chosenSystem: string | undefined;
    if (decision.kind === 'candidate') {
      const candidate = item.candidates[decision.index];
      value = candidate.value ?? null;
      chosenSystem = candidate.system;
    } else {
      try {
        value = normalizeFieldValue(field, decision.value);
      } catch (error) {
        throw new BadRequestException(error instanceof InvalidValue ? error.message : String(error));
      }
      if (value === null && fieldPolicyOf(this.config, item.entity, field)?.required) {
        throw new BadRequestException(`${field} is required and cannot be cleared`);
      }
    }
    const at =
      Math.max(...item.candidates.map((c) => (c.changedAt ? parseTimestamp(c.changedAt) : 0)), 0) ||
      Date.now();
    const origin = {
      system: 'switchboard' as const,
      eventId: null,
      actor,
      at,
      reason: 'review',
      kind: 'resolution' as const,
      skipTarget: chosenSystem !== undefined && isSourceSystem(chosenSystem) ? chosenSystem : undefined,
      valueSystem: chosenSystem ?? 'switchboard',
    };
    const changed = await this.engine.applyDecided(m, item.customer_id!, { [field]: value }, origin, sink);
    if (changed.length === 0) {
      // The canonical value stays: the systems whose value lost are told.
      const store = new CustomerStore(m);
      const customer = await store.get(item.customer_id!);
      const receivers = fieldPolicyOf(this.config, item.entity, field)?.receivers ?? [];
      const losers = [...new Set(item.candidates.map((c) => c.system))].filter(
        (system): system is SourceSystem =>
          !!system && system !== chosenSystem && receivers.includes(system as SourceSystem),
      );
      for (const target of losers) {
        await this.engine.publishDirect(m, customer!, target, { [field]: value }, origin, sink);
      }
    }
    return {
      field,
      value,
      chosenSystem: chosenSystem ?? null,
      candidate: decision.kind === 'candidate' ? decision.index : null,
    };
  }

  /**
   * The held record is linked to a candidate, created as a new customer, or (a merge) linked to the
   * survivor after every other candidate was merged into it, in the steward's name.
   */
  private async resolveMatch(
    m: EntityManager,
    item: ReviewRow,
    decision: Extract<ReviewDecision, { kind: 'link' | 'create' | 'merge' }>,
    actor: string,
    sink: ReturnType<typeof outboxSink>,
  ): Promise<Record<string, unknown>> {
    const held = item.incoming!;
    const change: IncomingChange = { ...held, changedAt: parseTimestamp(held.changedAt), actor: held.actor };
    let merged: string[] = [];
    if (decision.kind === 'link') {
      change.switchboardCustomerId = decision.customerId;
    } else if (decision.kind === 'create') {
      change.forceCreate = true;
    } else {
      const candidateIds = item.candidates.map((c) => c.customerId).filter((id): id is string => !!id);
      // Locked (in id order) before deciding who is still active to merge.
      const current = await new CustomerStore(m).lock(candidateIds);
      merged = asBadRequest(() => mergeLosers(candidateIds, decision.survivorId, current));
      const origin: Origin = {
        system: 'switchboard',
        eventId: null,
        actor,
        at: Date.now(),
        reason: 'review',
      };
      for (const loser of merged) {
        await this.engine.mergeCustomers(m, loser, decision.survivorId, origin, sink);
      }
      change.switchboardCustomerId = decision.survivorId;
    }
    const result = await this.engine.apply(m, change, sink);
    await m.query(`UPDATE review_item SET customer_id = $2 WHERE id = $1`, [item.id, result.customerId]);
    return {
      customerId: result.customerId,
      createNew: decision.kind === 'create',
      ...(decision.kind === 'merge' && { mergedCustomerIds: merged }),
      decidedBy: actor,
    };
  }
}

/** A decision that does not fit the item is the caller's mistake: 400 with the reason. */
function asBadRequest<T>(decide: () => T): T {
  try {
    return decide();
  } catch (error) {
    if (error instanceof ReviewDecisionError) throw new BadRequestException(error.message);
    throw error;
  }
}
