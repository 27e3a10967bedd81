import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** Reads of the canonical store for the API. */
@Injectable()
export class CustomersService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async idByRef(system: string, entity: string, externalId: string): Promise<string | null> {
    const rows: Array<{ customer_id: string }> = await this.dataSource.query(
      `SELECT customer_id FROM customer_xref WHERE system = $1 AND entity = $2 AND external_id = $3`,
      [system, entity, externalId],
    );
    return rows[0]?.customer_id ?? null;
  }

  async view(id: string): Promise<unknown> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT id, entity, status, parent_id AS "accountId", merged_into AS "mergedInto", data AS fields,
              version, synced_targets AS "syncedTargets", created_at AS "createdAt", updated_at AS "updatedAt",
              deactivated_at AS "deactivatedAt"
       FROM customer WHERE id = $1`,
      [id],
    );
    if (!rows[0]) return null;
    const crossReferences: unknown[] = await this.dataSource.query(
      `SELECT system, external_id AS "externalId", status, matched_by AS "matchedBy", created_at AS "linkedAt"
       FROM customer_xref WHERE customer_id = $1 ORDER BY created_at, system, external_id`,
      [id],
    );
    const contacts: unknown[] = await this.dataSource.query(
      `SELECT id, status, data AS fields FROM customer WHERE parent_id = $1 ORDER BY created_at`,
      [id],
    );
    return { ...rows[0], crossReferences, contacts };
  }

  audit(id: string): Promise<unknown[]> {
    return this.dataSource.query(
      `SELECT seq::text AS seq, kind, field, old_value AS "oldValue", new_value AS "newValue",
              source_system AS "sourceSystem", event_id AS "eventId", actor,
              source_changed_at AS "changedAt", recorded_at AS "recordedAt"
       FROM customer_audit WHERE customer_id = $1 ORDER BY seq`,
      [id],
    );
  }

  refused(id: string): Promise<unknown[]> {
    return this.dataSource.query(
      `SELECT seq::text AS seq, system, external_id AS "externalId", field, value, reason, message,
              event_id AS "eventId", source_changed_at AS "changedAt", recorded_at AS "recordedAt"
       FROM refused_change WHERE customer_id = $1 ORDER BY seq`,
      [id],
    );
  }

  refusedSummary(): Promise<unknown[]> {
    return this.dataSource.query(
      `SELECT system, field, reason, count(*)::int AS count FROM refused_change
       GROUP BY system, field, reason ORDER BY count DESC, system, field`,
    );
  }
}
