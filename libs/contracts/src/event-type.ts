export const EventType = {
  DealWon: 'deal_won',
  CustomerUpdated: 'customer_updated',
  InvoicePaid: 'invoice_paid',
  TicketEscalated: 'ticket_escalated',
  SalesOrderCreated: 'sales_order_created',
  InvoiceCreated: 'invoice_created',
  OnboardingTicketCreated: 'onboarding_ticket_created',
  SegmentChanged: 'segment_changed',
  CustomerSynced: 'customer_synced',
  CrmTaskRequested: 'crm_task_requested',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

export const EVENT_TYPES: readonly EventType[] = Object.values(EventType);

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * The systems Switchboard connects. `contacts` (the CardDAV address book) only receives: it
 * publishes nothing, so no source secret or catalogue entry names it and ownership gives it no field.
 */
export const SOURCE_SYSTEMS = [
  'crm',
  'erp',
  'finance',
  'support',
  'marketing',
  'ecommerce',
  'contacts',
] as const;
export type SourceSystem = (typeof SOURCE_SYSTEMS)[number];

export function isSourceSystem(value: unknown): value is SourceSystem {
  return typeof value === 'string' && (SOURCE_SYSTEMS as readonly string[]).includes(value);
}
