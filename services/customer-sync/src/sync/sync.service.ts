import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import {
  isSourceSystem,
  nameBasedUuid,
  type CloudEvent,
  type CustomerUpdatedV1,
  type SourceSystem,
} from '@switchboard/contracts';
import { EventRejected, type InboxContext } from '@switchboard/inbox';
import { parseTimestamp, toCanonical, type OwnershipConfig } from '@switchboard/master-data';

import { SyncRules } from '../config/sync-rules';
import { SyncCounters } from '../reports/sync-counters';
import { CustomerStore } from './customer-store';
import type { SyncEngine } from './sync-engine';
import { emptyTally, type IncomingChange, type SyncSink, type SyncTally } from './sync.types';

function inboxSink(ctx: InboxContext): SyncSink {
  return { publish: (type, data) => ctx.publish(type, data) };
}

/** The use cases behind the consumers: each event type mapped onto the sync engine. */
@Injectable()
export class SyncService {
  constructor(
    private readonly counters: SyncCounters,
    private readonly rules: SyncRules,
  ) {}

  /** The engine of the rules in force (the ownership file reloads without a restart). */
  private get engine(): SyncEngine {
    return this.rules.current().engine;
  }

  private get config(): OwnershipConfig {
    return this.rules.current().config;
  }

  static changeFrom(data: CustomerUpdatedV1, eventId: string | null, actor?: string): IncomingChange {
    return {
      system: data.system,
      entity: data.entity,
      externalId: data.externalId,
      changedAt: parseTimestamp(data.changedAt),
      fields: { ...data.fields },
      deleted: data.deleted === true,
      mergedIntoExternalId: data.mergedIntoExternalId ?? null,
      accountExternalId: data.accountExternalId ?? null,
      switchboardCustomerId: data.switchboardCustomerId ?? null,
      eventId,
      actor: actor ?? `system:${data.system}`,
    };
  }

  async customerUpdated(event: CloudEvent<'customer_updated'>, ctx: InboxContext): Promise<void> {
    // Ingest signs the source into the envelope; a payload speaking for another system is refused
    // here too, so an event that reached Kafka another way cannot write as the CRM either.
    if (event.data.system !== event.source) {
      throw new EventRejected(
        'system_mismatch',
        `customer_updated from source "${event.source}" names system "${event.data.system}": a source speaks only for itself`,
      );
    }
    // One rule set for the whole event: the mapping that reads it and the engine that decides it.
    const { config, engine } = this.rules.current();
    const change = SyncService.changeFrom(event.data, event.id);
    const mapped = toCanonical(config.mappings, change.system, change.entity, change.fields);
    if (mapped.problems.length > 0) {
      // Refused as a whole and dead-lettered: once the mapping is fixed, a replay applies all of it.
      throw new EventRejected(
        mapped.problems[0].reason,
        `${change.system} ${change.entity} ${change.externalId}: ${mapped.problems.map((p) => p.message).join('; ')}`,
        mapped.problems.map((p) => ({ field: `data.fields.${p.field}`, message: p.message })),
      );
    }
    const { tally } = await engine.apply(ctx.manager, { ...change, fields: mapped.fields }, inboxSink(ctx));
    await this.counters.add(ctx.manager, ctx.delivery, tally);
  }

  /**
   * deal_won: the CRM account and contact (created or matched, the prospect marked as a customer
   * now), and its half of the prospect promotion link.
   */
  async dealWon(event: CloudEvent<'deal_won'>, ctx: InboxContext): Promise<void> {
    const deal = event.data;
    const at = parseTimestamp(event.time);
    const sink = inboxSink(ctx);
    const tally = emptyTally();
    const add = (t: SyncTally) =>
      Object.keys(t).forEach((k) => (tally[k as keyof SyncTally] += t[k as keyof SyncTally]));
    const account = await this.engine.apply(
      ctx.manager,
      {
        system: 'crm',
        entity: 'account',
        externalId: deal.account.crmAccountId,
        changedAt: at,
        fields: {
          name: deal.account.name,
          email: deal.account.email,
          ...(deal.account.vatNumber ? { vatNumber: deal.account.vatNumber } : {}),
          // A prospect becomes a customer when its ERP customer exists (linkDeal), not before: the
          // ERP flow excludes prospects, so only erp-orders ever creates that ERP customer.
          accountType: deal.account.isProspect ? 'prospect' : 'customer',
        },
        eventId: event.id,
        actor: 'system:crm',
        reason: 'deal_won',
      },
      sink,
    );
    add(account.tally);
    const contactName =
      [deal.contact.firstName, deal.contact.lastName].filter(Boolean).join(' ') || deal.contact.email;
    add(
      (
        await this.engine.apply(
          ctx.manager,
          {
            system: 'crm',
            entity: 'contact',
            externalId: deal.contact.crmContactId,
            changedAt: at,
            fields: { name: contactName, email: deal.contact.email },
            accountExternalId: deal.account.crmAccountId,
            eventId: event.id,
            actor: 'system:crm',
          },
          sink,
        )
      ).tally,
    );
    const erpNumber = !deal.account.isProspect ? (deal.account.erpCustomerNumber ?? null) : null;
    await this.linkDeal(
      ctx.manager,
      deal.dealId,
      { crmAccountId: deal.account.crmAccountId, erpCustomerNumber: erpNumber },
      at,
      event.id,
      sink,
    );
    await this.counters.add(ctx.manager, ctx.delivery, tally);
  }

  /** sales_order_created from erp-orders: the ERP customer of the deal, the other half of the link. */
  async salesOrderCreated(event: CloudEvent<'sales_order_created'>, ctx: InboxContext): Promise<void> {
    await this.linkDeal(
      ctx.manager,
      event.data.dealId,
      { erpCustomerNumber: event.data.erpCustomerNumber },
      parseTimestamp(event.time),
      event.id,
      inboxSink(ctx),
    );
  }

  /**
   * Whichever of deal_won and sales_order_created comes first waits in deal_link; the second makes
   * the ERP customer number a cross-reference of the CRM account's customer (merging a customer the
   * ERP side created meanwhile), so Switchboard agrees with the customer erp-orders created once.
   */
  private async linkDeal(
    m: EntityManager,
    dealId: string,
    part: { crmAccountId?: string; erpCustomerNumber?: string | null },
    at: number,
    eventId: string,
    sink: SyncSink,
  ): Promise<void> {
    await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`deal_link:${dealId}`]);
    const rows: Array<{
      crm_account_id: string | null;
      erp_customer_number: string | null;
      linked_at: Date | null;
    }> = await m.query(
      `INSERT INTO deal_link (deal_id, crm_account_id, erp_customer_number) VALUES ($1, $2, $3)
         ON CONFLICT (deal_id) DO UPDATE SET
           crm_account_id = COALESCE(deal_link.crm_account_id, EXCLUDED.crm_account_id),
           erp_customer_number = COALESCE(deal_link.erp_customer_number, EXCLUDED.erp_customer_number),
           updated_at = now()
         RETURNING crm_account_id, erp_customer_number, linked_at`,
      [dealId, part.crmAccountId ?? null, part.erpCustomerNumber ?? null],
    );
    const link = rows[0];
    if (!link.crm_account_id || !link.erp_customer_number || link.linked_at) return;
    const store = new CustomerStore(m);
    await store.lockMatching();
    const crm = await store.findXref('crm', 'account', link.crm_account_id);
    if (!crm) return;
    const [customer] = await store.lock([crm.customerId]);
    if (!customer || customer.status !== 'active') return;
    const erp = await store.findXref('erp', 'account', link.erp_customer_number);
    const origin = {
      system: 'switchboard' as const,
      eventId,
      actor: 'switchboard:promotion',
      at,
      reason: 'promotion',
    };
    if (!erp) {
      await store.insertXref({
        system: 'erp',
        entity: 'account',
        externalId: link.erp_customer_number,
        customerId: customer.id,
        status: 'active',
        matchedBy: 'promotion',
        createdAt: at,
      });
      if (this.config.entities.account.audit) {
        await store.audit([
          {
            customerId: customer.id,
            kind: 'link',
            field: 'crossReference',
            oldValue: null,
            newValue: { system: 'erp', externalId: link.erp_customer_number },
            sourceSystem: 'switchboard',
            eventId,
            actor: 'switchboard:promotion',
            sourceChangedAt: at,
          },
        ]);
      }
      // Now a customer: the ERP, which has the record from erp-orders, gets every field it receives.
      await store.forgetTarget(customer.id, 'erp');
      const changed = await this.engine.applyDecided(
        m,
        customer.id,
        { accountType: 'customer' },
        { ...origin, kind: 'change', valueSystem: 'crm' },
        sink,
      );
      if (changed.length === 0) await this.engine.publishAll(m, customer.id, origin, sink);
    } else if (erp.customerId !== customer.id) {
      const [other] = await store.lock([erp.customerId]);
      if (other && other.status === 'active')
        await this.engine.mergeCustomers(m, other.id, customer.id, origin, sink);
    }
    await m.query(`UPDATE deal_link SET customer_id = $2, linked_at = now() WHERE deal_id = $1`, [
      dealId,
      customer.id,
    ]);
  }

  /** invoice_paid (finance masters it): payment fields to the CRM, the contacts to the paying segment. */
  async invoicePaid(event: CloudEvent<'invoice_paid'>, ctx: InboxContext): Promise<void> {
    const paid = event.data;
    const store = new CustomerStore(ctx.manager);
    const ref =
      (paid.crmAccountId ? await store.findXref('crm', 'account', paid.crmAccountId) : null) ??
      (paid.erpCustomerNumber ? await store.findXref('erp', 'account', paid.erpCustomerNumber) : null);
    if (!ref) {
      throw new EventRejected(
        'unknown_customer',
        `No customer is known for invoice ${paid.invoiceNumber} (crmAccountId ${paid.crmAccountId ?? '-'}, erpCustomerNumber ${paid.erpCustomerNumber ?? '-'}); replay it once the customer is synced`,
      );
    }
    const system: SourceSystem = isSourceSystem(event.source) ? event.source : 'finance';
    const at = parseTimestamp(paid.paidAt);
    const sink = inboxSink(ctx);
    const { tally } = await this.engine.apply(
      ctx.manager,
      {
        system,
        entity: 'account',
        externalId: ref.externalId,
        changedAt: at,
        fields: {
          paymentStatus: this.config.signals.invoicePaid.paymentStatus,
          lastPaymentAt: paid.paidAt,
          lastInvoiceNumber: paid.invoiceNumber,
          lastPaymentAmount: paid.amount,
        },
        eventId: event.id,
        actor: `system:${system}`,
        reason: 'invoice_paid',
        targetCustomerId: ref.customerId,
      },
      // The record key is the CRM or ERP id; the change is finance's.
      sink,
    );
    await this.moveToSegment(
      ctx.manager,
      ref.customerId,
      this.config.signals.invoicePaid.segment,
      'invoice_paid',
      system,
      event.id,
      at,
      sink,
    );
    await this.counters.add(ctx.manager, ctx.delivery, tally);
  }

  /** ticket_escalated (support masters it): a CRM task for the account owner, the contacts to at-risk. */
  async ticketEscalated(event: CloudEvent<'ticket_escalated'>, ctx: InboxContext): Promise<void> {
    const ticket = event.data;
    const store = new CustomerStore(ctx.manager);
    const ref = await store.findXref('crm', 'account', ticket.crmAccountId);
    const customer = ref ? await store.get(ref.customerId) : null;
    const owner = typeof customer?.data.accountOwner === 'string' ? customer.data.accountOwner : null;
    await ctx.publish('crm_task_requested', {
      taskId: nameBasedUuid('switchboard.customer-sync.task', `ticket_escalated/${event.id}`),
      crmAccountId: ticket.crmAccountId,
      customerId: customer?.id ?? null,
      assignee: owner ?? this.config.defaultAccountOwner,
      assignedToDefaultOwner: owner === null,
      subject: `Escalated ticket ${ticket.ticketId}: ${ticket.subject}`,
      description: ticket.reason ?? null,
      priority: ticket.priority,
      reason: 'ticket_escalated',
      sourceReference: ticket.ticketId,
    });
    if (customer) {
      await this.moveToSegment(
        ctx.manager,
        customer.id,
        this.config.signals.ticketEscalated.segment,
        'ticket_escalated',
        'support',
        event.id,
        parseTimestamp(ticket.escalatedAt),
        inboxSink(ctx),
      );
    }
  }

  /** Marketing moves the customer's contacts (or the account itself, without contacts) to a segment. */
  private async moveToSegment(
    m: EntityManager,
    accountId: string,
    segment: string | null,
    reason: string,
    system: SourceSystem,
    eventId: string,
    at: number,
    sink: SyncSink,
  ): Promise<void> {
    if (!segment) return;
    const store = new CustomerStore(m);
    const account = await store.get(accountId);
    if (!account) return;
    const contacts = await store.contactsOf(accountId);
    const origin = { system, eventId, actor: `system:${system}`, at, reason };
    for (const record of contacts.length > 0 ? contacts : [account]) {
      if (record.data.segment === segment) continue;
      if (this.config.entities[record.entity].audit) {
        await store.audit([
          {
            customerId: record.id,
            kind: 'signal',
            field: 'segment',
            oldValue: record.data.segment ?? null,
            newValue: segment,
            sourceSystem: system,
            eventId,
            actor: origin.actor,
            sourceChangedAt: at,
          },
        ]);
      }
      await m.query(
        `UPDATE customer SET data = data || jsonb_build_object('segment', $2::text), updated_at = now() WHERE id = $1`,
        [record.id, segment],
      );
      await this.engine.publishDirect(
        m,
        record,
        'marketing',
        { segment, ...(record.data.email ? { email: record.data.email as string } : {}) },
        origin,
        sink,
      );
    }
  }
}
