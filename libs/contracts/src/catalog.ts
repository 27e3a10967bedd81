import { EVENT_TYPES, EventType, type SourceSystem } from './event-type';
import { CrmTaskRequestedV1, CustomerSyncedV1 } from './payloads/customer-sync.v1';
import { CustomerUpdatedV1 } from './payloads/customer-updated.v1';
import { DealWonV1 } from './payloads/deal-won.v1';
import { InvoicePaidV1 } from './payloads/invoice-paid.v1';
import {
  InvoiceCreatedV1,
  OnboardingTicketCreatedV1,
  SalesOrderCreatedV1,
  SegmentChangedV1,
} from './payloads/results.v1';
import { TicketEscalatedV1 } from './payloads/ticket-escalated.v1';

export interface EventMap {
  deal_won: DealWonV1;
  customer_updated: CustomerUpdatedV1;
  invoice_paid: InvoicePaidV1;
  ticket_escalated: TicketEscalatedV1;
  sales_order_created: SalesOrderCreatedV1;
  invoice_created: InvoiceCreatedV1;
  onboarding_ticket_created: OnboardingTicketCreatedV1;
  segment_changed: SegmentChangedV1;
  customer_synced: CustomerSyncedV1;
  crm_task_requested: CrmTaskRequestedV1;
}

const TOPIC_PREFIX = 'switchboard';

/** One topic per event type and major version, so a v2 can run beside v1 while subscribers migrate. */
export const Topic = Object.fromEntries(
  EVENT_TYPES.map((type) => [type, `${TOPIC_PREFIX}.${type}.v1`]),
) as Record<EventType, string>;

export function topicOf(type: EventType): string {
  return Topic[type];
}

const KAFKA_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

export function deadLetterTopic(consumerGroup: string): string {
  const topic = `${TOPIC_PREFIX}.dlq.${consumerGroup}`;
  if (!KAFKA_TOPIC_NAME.test(consumerGroup) || topic.length > 249) {
    throw new RangeError(`Consumer group ${JSON.stringify(consumerGroup)} cannot form a Kafka topic name`);
  }
  return topic;
}

/** The CloudEvents `dataschema` of an event type; also the `$id` of its generated JSON Schema. */
export function dataSchemaUri(type: EventType): string {
  return `urn:switchboard:schema:${type}:v1`;
}

export interface EventDefinition<T extends EventType> {
  type: T;
  version: 1;
  topic: string;
  payload: new () => EventMap[T];
  /** Systems allowed to publish it via ingest; empty for internal result events. */
  publishers: readonly SourceSystem[];
  /** Kafka key: keeps one deal's / customer's events ordered on one partition. */
  aggregateKey(data: EventMap[T]): string;
  subject(data: EventMap[T]): string;
  description: string;
  example: EventMap[T];
}

export const EVENT_CATALOG: { [T in EventType]: EventDefinition<T> } = {
  deal_won: {
    type: EventType.DealWon,
    version: 1,
    topic: Topic.deal_won,
    payload: DealWonV1,
    publishers: ['crm'],
    aggregateKey: (d) => d.dealId,
    subject: (d) => d.dealId,
    description: 'A deal closed as won in the CRM; starts the order, invoice, onboarding and segment flows.',
    example: {
      dealId: 'D-1001',
      account: {
        crmAccountId: 'ACC-42',
        name: 'Müller & Söhne GmbH',
        email: 'billing@mueller-soehne.example',
        vatNumber: 'DE123456789',
        country: 'DE',
        isProspect: false,
        erpCustomerNumber: 'C-10042',
      },
      contact: {
        crmContactId: 'CON-7',
        email: 'anna.mueller@mueller-soehne.example',
        firstName: 'Anna',
        lastName: 'Müller',
      },
      owner: { crmUserId: 'U-3', name: 'Sam Seller', email: 'sam.seller@switchboard.example' },
      closeDate: '2025-03-14',
      currency: 'EUR',
      lines: [
        {
          lineNo: 1,
          crmProductId: 'P-100',
          description: 'Annual licence',
          quantity: '2',
          unitPrice: '1200.00',
          discountPercent: '10',
        },
        { lineNo: 2, crmProductId: 'P-200', quantity: '1.5', unitPrice: '99.99' },
      ],
      taxRatePercent: '19',
      notes: 'Signed after the "Q1" review 🎉',
    },
  },
  customer_updated: {
    type: EventType.CustomerUpdated,
    version: 1,
    topic: Topic.customer_updated,
    payload: CustomerUpdatedV1,
    publishers: ['crm', 'erp', 'marketing', 'support', 'ecommerce'],
    aggregateKey: (d) => `${d.system}:${d.externalId}`,
    subject: (d) => `${d.entity}:${d.externalId}`,
    description:
      'A customer account or contact changed in a source system; only the changed fields are sent.',
    example: {
      system: 'erp',
      entity: 'account',
      externalId: 'C-10042',
      changedAt: '2025-03-15T08:12:45.120Z',
      fields: {
        email: 'ap@mueller-soehne.example',
        billingAddress: { line1: 'Hauptstraße 5', city: 'München', postalCode: '80331', country: 'DE' },
        paymentTerms: 'NET30',
        phone: null,
      },
    },
  },
  invoice_paid: {
    type: EventType.InvoicePaid,
    version: 1,
    topic: Topic.invoice_paid,
    payload: InvoicePaidV1,
    publishers: ['finance', 'erp'],
    aggregateKey: (d) => d.crmAccountId ?? d.erpCustomerNumber ?? d.invoiceNumber,
    subject: (d) => d.invoiceNumber,
    description: 'An invoice was paid, as recorded by finance or the ERP.',
    example: {
      invoiceNumber: 'INV-2025-0007',
      dealId: 'D-1001',
      crmAccountId: 'ACC-42',
      erpCustomerNumber: 'C-10042',
      amount: { currency: 'EUR', amount: '2748.88' },
      paidAt: '2025-04-02T10:00:00+02:00',
    },
  },
  ticket_escalated: {
    type: EventType.TicketEscalated,
    version: 1,
    topic: Topic.ticket_escalated,
    payload: TicketEscalatedV1,
    publishers: ['support'],
    aggregateKey: (d) => d.crmAccountId,
    subject: (d) => d.ticketId,
    description: 'A support ticket was escalated.',
    example: {
      ticketId: 'T-551',
      crmAccountId: 'ACC-42',
      subject: 'Invoices not arriving',
      priority: 'high',
      reason: 'Customer threatened to cancel',
      escalatedAt: '2025-04-03T14:20:00Z',
    },
  },
  sales_order_created: {
    type: EventType.SalesOrderCreated,
    version: 1,
    topic: Topic.sales_order_created,
    payload: SalesOrderCreatedV1,
    publishers: [],
    aggregateKey: (d) => d.dealId,
    subject: (d) => d.orderNumber,
    description: 'The ERP sales order for a won deal was created (and the ERP customer, for a prospect).',
    example: {
      dealId: 'D-1001',
      orderNumber: 'SO-88001',
      erpCustomerNumber: 'C-10042',
      customerCreated: false,
      currency: 'EUR',
      netTotal: '2309.98',
      lines: [
        {
          lineNo: 1,
          itemCode: 'LIC-ANNUAL',
          quantity: '2',
          unitPrice: '1200.00',
          discountPercent: '10',
          lineTotal: '2160.00',
        },
        {
          lineNo: 2,
          itemCode: 'SUPPORT-H',
          quantity: '1.5',
          unitPrice: '99.99',
          discountPercent: '0',
          lineTotal: '149.98',
        },
      ],
    },
  },
  invoice_created: {
    type: EventType.InvoiceCreated,
    version: 1,
    topic: Topic.invoice_created,
    payload: InvoiceCreatedV1,
    publishers: [],
    aggregateKey: (d) => d.dealId,
    subject: (d) => d.invoiceNumber,
    description: 'The invoice for a won deal was created.',
    example: {
      dealId: 'D-1001',
      invoiceNumber: 'INV-2025-0007',
      crmAccountId: 'ACC-42',
      currency: 'EUR',
      netTotal: '2309.98',
      taxTotal: '438.90',
      grossTotal: '2748.88',
    },
  },
  onboarding_ticket_created: {
    type: EventType.OnboardingTicketCreated,
    version: 1,
    topic: Topic.onboarding_ticket_created,
    payload: OnboardingTicketCreatedV1,
    publishers: [],
    aggregateKey: (d) => d.dealId,
    subject: (d) => d.ticketNumber,
    description: 'The onboarding ticket for a won deal was opened in the support system.',
    example: {
      dealId: 'D-1001',
      ticketNumber: 'T-560',
      crmAccountId: 'ACC-42',
      subject: 'Onboarding: Müller & Söhne GmbH',
    },
  },
  segment_changed: {
    type: EventType.SegmentChanged,
    version: 1,
    topic: Topic.segment_changed,
    payload: SegmentChangedV1,
    publishers: [],
    aggregateKey: (d) => d.contactId,
    subject: (d) => d.contactId,
    description:
      'A contact moved between marketing segments, e.g. from prospect to customer after a won deal.',
    example: {
      contactId: 'CON-7',
      email: 'anna.mueller@mueller-soehne.example',
      fromSegment: 'prospect',
      toSegment: 'customer',
      reason: 'deal_won',
      dealId: 'D-1001',
    },
  },
  customer_synced: {
    type: EventType.CustomerSynced,
    version: 1,
    topic: Topic.customer_synced,
    payload: CustomerSyncedV1,
    publishers: [],
    aggregateKey: (d) => d.customerId,
    subject: (d) => `${d.target}:${d.customerId}`,
    description:
      'A canonical customer changed; addressed to one target system that receives the changed fields (never the origin).',
    example: {
      customerId: '0b7e4f0e-3c1a-4c52-9d1e-5f1f6a0e2b11',
      entity: 'account',
      target: 'crm',
      targetExternalId: 'ACC-42',
      action: 'upsert',
      version: 7,
      changedAt: '2025-03-15T08:12:45.120Z',
      origin: { system: 'erp', eventId: 'c1f0b1de-8d0a-5b2e-9a51-3f0c1c2d4e5f', actor: 'system:erp' },
      fields: {
        billingAddress: { line1: 'Hauptstraße 5', city: 'München', postalCode: '80331', country: 'DE' },
        paymentTerms: 'NET30',
      },
      crossReferences: [
        { system: 'crm', externalId: 'ACC-42' },
        { system: 'erp', externalId: 'C-10042' },
      ],
    },
  },
  crm_task_requested: {
    type: EventType.CrmTaskRequested,
    version: 1,
    topic: Topic.crm_task_requested,
    payload: CrmTaskRequestedV1,
    publishers: [],
    aggregateKey: (d) => d.crmAccountId,
    subject: (d) => d.taskId,
    description: 'The CRM should open a task for an account manager, e.g. after a support escalation.',
    example: {
      taskId: '5f3c2a4e-0d7b-5e8e-8a7e-2b6f9d1c0a33',
      crmAccountId: 'ACC-42',
      customerId: '0b7e4f0e-3c1a-4c52-9d1e-5f1f6a0e2b11',
      assignee: 'Sam Seller',
      assignedToDefaultOwner: false,
      subject: 'Escalated ticket T-551: Invoices not arriving',
      description: 'Customer threatened to cancel',
      priority: 'high',
      reason: 'ticket_escalated',
      sourceReference: 'T-551',
    },
  },
};
