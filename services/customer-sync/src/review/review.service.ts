import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import { OutboxWriter } from '@switchboard/outbox';
import {
  InvalidValue,
  fieldPolicyOf,
  normalizeFieldValue,
  parseTimestamp,
  type CustomerFieldName,
  type FieldValue,
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
      const sink = outboxSink(this.outbox, m);
      const actor = `steward:${caller.name}`;
      let resolution: Record<string, unknown>;
      if (item.kind === 'conflict') {
        resolution = await this.resolveConflict(m, item, body, actor, sink);
      } else {
        resolution = await this.resolveMatch(m, item, body, actor, sink);
      }
      await m.query(
        `UPDATE review_item SET status = 'resolved', resolved_at = now(), resolved_by = $2, resolution = $3::jsonb WHERE id = $1`,
        [id, actor, JSON.stringify(resolution)],
      );
    });
    return this.get(id);
  }

  private async resolveConflict(
    m: import('typeorm').EntityManager,
    item: ReviewRow,
    body: ResolveReviewDto,
    actor: string,
    sink: ReturnType<typeof outboxSink>,
  ): Promise<Record<string, unknown>> {
    const field = item.field!;
    let value: FieldValue;
    let chosenSystem: string | undefined;
    if (body.candidate !== undefined) {
      const candidate = item.candidates[body.candidate];
      if (!candidate) throw new BadRequestException(`candidate must be 0..${item.candidates.length - 1}`);
      value = candidate.value ?? null;
      chosenSystem = candidate.system;
    } else if (body.value !== undefined) {
      try {
        value = normalizeFieldValue(field, body.value);
      } catch (error) {
        throw new BadRequestException(error instanceof InvalidValue ? error.message : String(error));
      }
      if (value === null && fieldPolicyOf(this.config, item.entity, field)?.required) {
        throw new BadRequestException(`${field} is required and cannot be cleared`);
      }
    } else {
      throw new BadRequestException('Send candidate (an index) or value to resolve a conflict');
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
    return { field, value, chosenSystem: chosenSystem ?? null, candidate: body.candidate ?? null };
  }

  private async resolveMatch(
    m: import('typeorm').EntityManager,
    item: ReviewRow,
    body: ResolveReviewDto,
    actor: string,
    sink: ReturnType<typeof outboxSink>,
  ): Promise<Record<string, unknown>> {
    const held = item.incoming!;
    const change: IncomingChange = { ...held, changedAt: parseTimestamp(held.changedAt), actor: held.actor };
    if (body.customerId) {
      if (!item.candidates.some((c) => c.customerId === body.customerId)) {
        throw new BadRequestException(
          `customerId must be one of the candidates: ${item.candidates.map((c) => c.customerId).join(', ')}`,
        );
      }
      change.switchboardCustomerId = body.customerId;
    } else if (body.createNew === true) {
      change.forceCreate = true;
    } else {
      throw new BadRequestException(
        'Send customerId (one of the candidates) or createNew: true to resolve a match',
      );
    }
    const result = await this.engine.apply(m, change, sink);
    await m.query(`UPDATE review_item SET customer_id = $2 WHERE id = $1`, [item.id, result.customerId]);
    return { customerId: result.customerId, createNew: body.createNew === true, decidedBy: actor };
  }
}
