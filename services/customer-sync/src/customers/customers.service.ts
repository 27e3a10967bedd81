import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import {
  customerDto,
  type AuditEntryDto,
  type ContactSummaryDto,
  type CrossReferenceDto,
  type CustomerDto,
  type CustomerRow,
  type ExportPageDto,
  type RefusedChangeDto,
  type RefusedSummaryDto,
} from './dto/customer.dto';

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

  async view(id: string): Promise<CustomerDto | null> {
    const rows: CustomerRow[] = await this.dataSource.query(
      `SELECT id, entity, status, parent_id AS "accountId", merged_into AS "mergedInto", data AS fields,
              version, synced_targets AS "syncedTargets", created_at AS "createdAt", updated_at AS "updatedAt",
              deactivated_at AS "deactivatedAt"
       FROM customer WHERE id = $1`,
      [id],
    );
    if (!rows[0]) return null;
    const crossReferences: CrossReferenceDto[] = await this.dataSource.query(
      `SELECT system, external_id AS "externalId", status, matched_by AS "matchedBy", created_at AS "linkedAt"
       FROM customer_xref WHERE customer_id = $1 ORDER BY created_at, system, external_id`,
      [id],
    );
    const contacts: ContactSummaryDto[] = await this.dataSource.query(
      `SELECT id, status, data AS fields FROM customer WHERE parent_id = $1 ORDER BY created_at`,
      [id],
    );
    return customerDto(rows[0], crossReferences, contacts);
  }

  audit(id: string): Promise<AuditEntryDto[]> {
    return this.dataSource.query(
      `SELECT seq::text AS seq, kind, field, old_value AS "oldValue", new_value AS "newValue",
              source_system AS "sourceSystem", event_id AS "eventId", actor,
              source_changed_at AS "changedAt", recorded_at AS "recordedAt"
       FROM customer_audit WHERE customer_id = $1 ORDER BY customer_audit.seq`,
      [id],
    );
  }

  refused(id: string): Promise<RefusedChangeDto[]> {
    return this.dataSource.query(
      `SELECT seq::text AS seq, system, external_id AS "externalId", field, value, reason, message,
              event_id AS "eventId", source_changed_at AS "changedAt", recorded_at AS "recordedAt"
       FROM refused_change WHERE customer_id = $1 ORDER BY refused_change.seq`,
      [id],
    );
  }

  refusedSummary(): Promise<RefusedSummaryDto[]> {
    return this.dataSource.query(
      `SELECT system, field, reason, count(*)::int AS count FROM refused_change
       GROUP BY system, field, reason ORDER BY count DESC, system, field`,
    );
  }

  /**
   * One page of a system's customers, by external id (keyset: after the last id of the previous
   * page), recorded in export_audit with the caller, in the same transaction as the read.
   */
  async exportPage(
    caller: string,
    query: { system: string; entity: string; after: string | null; limit: number },
  ): Promise<ExportPageDto> {
    return this.dataSource.transaction(async (m) => {
      const refs: Array<{ external_id: string; customer_id: string }> = await m.query(
        `SELECT external_id, customer_id FROM customer_xref
         WHERE system = $1 AND entity = $2 AND status = 'active' AND ($3::text IS NULL OR external_id > $3)
         ORDER BY external_id LIMIT $4`,
        [query.system, query.entity, query.after, query.limit + 1],
      );
      const page = refs.slice(0, query.limit);
      const items = [];
      for (const ref of page)
        items.push({ externalId: ref.external_id, customer: await this.view(ref.customer_id) });
      await m.query(
        `INSERT INTO export_audit (caller, system, entity, after_external_id, returned, first_external_id, last_external_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          caller,
          query.system,
          query.entity,
          query.after,
          page.length,
          page[0]?.external_id ?? null,
          page.at(-1)?.external_id ?? null,
        ],
      );
      return { items, next: refs.length > query.limit ? (page.at(-1)?.external_id ?? null) : null };
    });
  }
}
