import { Inject, Injectable } from '@nestjs/common';

import type { CloudEvent } from '@switchboard/contracts';
import { CRM_ACCOUNTS, type CrmAccountChanges, type CrmAccounts } from '@switchboard/downstream';
import { EventRejected, type ChunkContext } from '@switchboard/inbox';

import { planCrmChanges } from './crm-changes';
import { crmSyncEvents } from './crm-sync.metrics';

interface Applied {
  customerId: string;
  accountId: string;
  version: number;
  changes: CrmAccountChanges;
  eventId: string;
}

@Injectable()
export class CrmAccountsService {
  constructor(@Inject(CRM_ACCOUNTS) private readonly crm: CrmAccounts) {}

  /**
   * `customer_synced` for the CRM, a chunk at a time: each event's ERP-mastered fields and payment
   * status written onto its CRM account (planCrmChanges), in partition order, only when its version
   * is newer than the one last applied to that customer; the versions and fields applied recorded in
   * one statement. The inbox makes each event count once; a chunk that fails is retried an event at a
   * time, so an account the CRM does not have dead-letters only its own event.
   */
  async applySynced(events: Array<CloudEvent<'customer_synced'>>, chunk: ChunkContext): Promise<void> {
    const planned = events.flatMap((event) => {
      const plan = planCrmChanges(event.data);
      if (!plan.apply) {
        crmSyncEvents.inc({ outcome: `skipped_${plan.skip}` });
        return [];
      }
      return [{ event, accountId: plan.accountId, changes: plan.changes }];
    });
    if (planned.length === 0) return;
    const customerIds = [...new Set(planned.map(({ event }) => event.data.customerId))];
    // A replay or a dead letter re-sent may race the customer's next chunk: one writer per customer.
    await chunk.manager.query(
      'SELECT pg_advisory_xact_lock(hashtext(id)) FROM unnest($1::text[]) AS id ORDER BY id',
      [customerIds.map((id) => `crm_account_sync:${id}`)],
    );
    const rows: Array<{ customer_id: string; applied_version: number }> = await chunk.manager.query(
      'SELECT customer_id, applied_version FROM crm_account_sync WHERE customer_id = ANY($1::text[])',
      [customerIds],
    );
    const versions = new Map(rows.map((row) => [row.customer_id, row.applied_version]));
    // One row per customer: a later event of the same customer in the chunk adds to its fields.
    const applied = new Map<string, Applied>();
    for (const { event, accountId, changes } of planned) {
      const { customerId, version } = event.data;
      if (version <= (versions.get(customerId) ?? 0)) {
        crmSyncEvents.inc({ outcome: 'stale' });
        continue;
      }
      const outcome = await chunk.within(event, () => this.crm.applyToAccount(accountId, changes));
      if (outcome === 'account_missing') {
        throw new EventRejected(
          'crm_account_missing',
          `customer_synced ${customerId} v${version}: the CRM (${this.crm.name}) has no account ${accountId}`,
        );
      }
      crmSyncEvents.inc({ outcome });
      versions.set(customerId, version);
      const before = applied.get(customerId)?.changes;
      applied.set(customerId, {
        customerId,
        accountId,
        version,
        changes: { ...before, ...changes },
        eventId: event.id,
      });
    }
    if (applied.size === 0) return;
    const records = [...applied.values()];
    await chunk.manager.query(
      `INSERT INTO crm_account_sync AS s (customer_id, crm_account_id, applied_version, fields, event_id)
       SELECT customer_id, crm_account_id, applied_version, fields, event_id
       FROM unnest($1::text[], $2::text[], $3::int[], $4::jsonb[], $5::uuid[])
         AS i(customer_id, crm_account_id, applied_version, fields, event_id)
       ON CONFLICT (customer_id) DO UPDATE SET
         crm_account_id = EXCLUDED.crm_account_id,
         applied_version = EXCLUDED.applied_version,
         fields = s.fields || EXCLUDED.fields,
         event_id = EXCLUDED.event_id,
         applied_at = now()`,
      [
        records.map((a) => a.customerId),
        records.map((a) => a.accountId),
        records.map((a) => a.version),
        records.map((a) => JSON.stringify(a.changes)),
        records.map((a) => a.eventId),
      ],
    );
  }
}
