import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { EntityManager } from 'typeorm';

import type { CloudEvent, CustomerSyncedV1, DealWonV1 } from '@switchboard/contracts';
import { DOWNSTREAM_CONNECTOR, type DownstreamConnector } from '@switchboard/downstream';
import { EventRejected, firstOfEach, type InboxContext } from '@switchboard/inbox';

import { customerSyncEvents } from './customer-sync.metrics';
import { afterApplying, freshFields } from './field-versions';
import { ErpCustomer } from './erp-customer.entity';

@Injectable()
export class CustomersService {
  /**
   * With DOWNSTREAM_MODE=real the ERP customer is a Tryton party, whose code is the CRM account id
   * (TrytonConnector.findOrCreateParty): its number is that code, so what sales_order_created
   * reports as the ERP id is the id the Tryton party poller reports the party under.
   */
  private readonly partyCodes: boolean;

  constructor(
    config: ConfigService,
    @Inject(DOWNSTREAM_CONNECTOR) private readonly erp: DownstreamConnector,
  ) {
    this.partyCodes = config.get<string>('DOWNSTREAM_MODE') === 'real';
  }

  /**
   * The ERP customer each deal is sold to, by deal id. A prospect (or an account the ERP does not
   * know yet) is created once, keyed by its CRM account id, by the first deal of it: concurrent
   * deals of the same new account race on the unique key and all end up on the same customer.
   */
  async resolveForDeals(
    manager: EntityManager,
    deals: DealWonV1[],
  ): Promise<Map<string, { customerNumber: string; created: boolean }>> {
    const resolved = new Map<string, { customerNumber: string; created: boolean }>();
    // In real mode the sale goes to the party coded with the CRM account id whatever number the CRM
    // holds, so that party is the customer reported.
    const known = (deal: DealWonV1) =>
      !this.partyCodes && !deal.account.isProspect && deal.account.erpCustomerNumber;
    for (const deal of deals) {
      if (known(deal))
        resolved.set(deal.dealId, { customerNumber: deal.account.erpCustomerNumber!, created: false });
    }
    const promoting = firstOfEach(
      deals.filter((deal) => !known(deal)),
      (deal) => deal.account.crmAccountId,
    );
    if (promoting.length === 0) return resolved;
    const created: Array<{ crm_account_id: string; customer_number: string }> = await manager.query(
      `INSERT INTO erp_customer (customer_number, crm_account_id, name, email, vat_number, country, promoted_from_deal_id)
       SELECT COALESCE(party_code, 'C' || lpad(nextval('erp_customer_number_seq')::text, 8, '0')),
         crm_account_id, name, email, vat_number, country, promoted_from_deal_id
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
         AS i(crm_account_id, name, email, vat_number, country, promoted_from_deal_id, party_code)
       ON CONFLICT (crm_account_id) DO NOTHING
       RETURNING crm_account_id, customer_number`,
      [
        promoting.map((deal) => deal.account.crmAccountId),
        promoting.map((deal) => deal.account.name),
        promoting.map((deal) => deal.account.email),
        promoting.map((deal) => deal.account.vatNumber ?? null),
        promoting.map((deal) => deal.account.country ?? null),
        promoting.map((deal) => deal.dealId),
        promoting.map((deal) => (this.partyCodes ? deal.account.crmAccountId : null)),
      ],
    );
    const numbers = new Map(created.map((row) => [row.crm_account_id, row.customer_number]));
    const existing = promoting.filter((deal) => !numbers.has(deal.account.crmAccountId));
    if (existing.length > 0) {
      // A statement of its own: an account a concurrent transaction just created is visible only
      // to a snapshot taken after the insert above waited for that transaction.
      const rows: Array<{ crm_account_id: string; customer_number: string }> = await manager.query(
        'SELECT crm_account_id, customer_number FROM erp_customer WHERE crm_account_id = ANY($1::text[])',
        [existing.map((deal) => deal.account.crmAccountId)],
      );
      for (const row of rows) numbers.set(row.crm_account_id, row.customer_number);
    }
    const createdAccounts = new Set(created.map((row) => row.crm_account_id));
    const creators = new Set(
      promoting.filter((deal) => createdAccounts.has(deal.account.crmAccountId)).map((deal) => deal.dealId),
    );
    for (const deal of deals) {
      if (resolved.has(deal.dealId)) continue;
      const customerNumber = numbers.get(deal.account.crmAccountId);
      if (!customerNumber) throw new Error(`No ERP customer for CRM account ${deal.account.crmAccountId}`);
      // Only the deal that created the customer reports it as created.
      resolved.set(deal.dealId, { customerNumber, created: creators.has(deal.dealId) });
    }
    return resolved;
  }

  /**
   * `customer_synced` for the ERP: the CRM-owned fields (name, e-mail, phone, address) applied to the
   * ERP customer, through the connector (the Tryton party in real mode) and to erp-orders' own
   * record: each field only when the event's version is newer than the one that last wrote it
   * (freshFields), so an older version replayed late applies what no later version changed. Events
   * for other systems and contacts (the ERP keeps accounts only) are skipped, not errors.
   */
  async applySynced(event: CloudEvent<'customer_synced'>, ctx: InboxContext): Promise<void> {
    const sync = event.data;
    if (sync.target !== 'erp') return this.count('skipped_other_target');
    if (sync.entity !== 'account') return this.count('skipped_contact');
    const { manager } = ctx;
    // A replay or a dead letter re-sent may race the customer's next event: one at a time per customer.
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`customer_synced:${sync.customerId}`]);
    const [state]: Array<{
      applied_version: number;
      field_versions: Record<string, number> | null;
      erp_customer_number: string | null;
    }> = await manager.query(
      'SELECT applied_version, field_versions, erp_customer_number FROM customer_sync_state WHERE customer_id = $1',
      [sync.customerId],
    );
    const known = state ? { applied: state.applied_version, fields: state.field_versions } : null;
    const fields = freshFields(sync, known);
    if (!fields) return this.count('stale');
    const news = { ...sync, fields };

    const receipt = await this.erp.deliver({
      operation: 'customers',
      idempotencyKey: event.id,
      body: news,
      event: { id: event.id, type: 'customer_synced', data: news },
    });
    const customerNumber = await this.applyToOwnRecord(
      manager,
      news,
      state?.erp_customer_number ?? null,
      receipt.externalId,
    );
    const after = afterApplying(sync, fields, known);
    await manager.query(
      `INSERT INTO customer_sync_state (customer_id, applied_version, field_versions, erp_customer_number, event_id)
       VALUES ($1, $2, $3::jsonb, $4, $5)
       ON CONFLICT (customer_id) DO UPDATE SET
         applied_version = EXCLUDED.applied_version,
         field_versions = EXCLUDED.field_versions,
         erp_customer_number = COALESCE(EXCLUDED.erp_customer_number, customer_sync_state.erp_customer_number),
         event_id = EXCLUDED.event_id,
         applied_at = now()`,
      [sync.customerId, after.applied, JSON.stringify(after.fields), customerNumber, event.id],
    );
    this.count('applied');
  }

  /** erp-orders' own record of the customer; returns its number (null: none, e.g. deactivating an unknown one). */
  private async applyToOwnRecord(
    manager: EntityManager,
    sync: CustomerSyncedV1,
    knownNumber: string | null,
    partyCode: string | null,
  ): Promise<string | null> {
    const crmAccountId = sync.crossReferences.find((ref) => ref.system === 'crm')?.externalId ?? null;
    const numbers = [sync.targetExternalId, knownNumber, partyCode].filter((n): n is string => Boolean(n));
    const found = await manager
      .createQueryBuilder(ErpCustomer, 'customer')
      .where('customer.customerNumber IN (:...numbers)', { numbers: numbers.length > 0 ? numbers : [''] })
      .orWhere('customer.crmAccountId = :crmAccountId', { crmAccountId: crmAccountId ?? '' })
      .getMany();
    const customer =
      numbers.map((n) => found.find((row) => row.customerNumber === n)).find(Boolean) ?? found[0] ?? null;
    const { fields } = sync;
    if (sync.action === 'deactivate') {
      if (customer) await manager.update(ErpCustomer, customer.customerNumber, { active: false });
      return customer?.customerNumber ?? null;
    }
    // Absent (undefined) means unchanged, null cleared; the name is required and never cleared.
    const changes: Partial<ErpCustomer> = {};
    if (fields.name) changes.name = fields.name;
    if (fields.email !== undefined) changes.email = fields.email;
    if (fields.phone !== undefined) changes.phone = fields.phone;
    if (fields.billingAddress !== undefined) changes.billingAddress = fields.billingAddress;
    if (customer) {
      if (Object.keys(changes).length > 0)
        await manager.update(ErpCustomer, customer.customerNumber, changes);
      return customer.customerNumber;
    }
    if (!changes.name) {
      throw new EventRejected(
        'required_field_missing',
        `customer_synced ${sync.customerId} v${sync.version} creates an ERP customer but carries no name`,
      );
    }
    const [created]: Array<{ customer_number: string }> = await manager.query(
      `INSERT INTO erp_customer (customer_number, crm_account_id, name, email, phone, billing_address)
       VALUES (COALESCE($1, 'C' || lpad(nextval('erp_customer_number_seq')::text, 8, '0')), $2, $3, $4, $5, $6)
       RETURNING customer_number`,
      [
        partyCode,
        crmAccountId,
        changes.name,
        changes.email ?? null,
        changes.phone ?? null,
        changes.billingAddress ? JSON.stringify(changes.billingAddress) : null,
      ],
    );
    return created.customer_number;
  }

  private count(outcome: string): void {
    customerSyncEvents.inc({ outcome });
  }
}
