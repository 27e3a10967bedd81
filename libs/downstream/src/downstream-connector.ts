/*
 * The port between the flows and the systems they write to: what a consumer hands a connector, what
 * it gets back, and the failure classes the inbox transport decides retries by. The adapters
 * (libs/connectors) implement it; the transport and the services know only this.
 */

import type { EventMap, PricedLine } from '@switchboard/contracts';

/** The kinds of system a flow writes to; a service definition names its own. */
export type DownstreamKind = 'erp' | 'finance' | 'support' | 'marketing' | 'crm' | 'contacts';

/** A contact as the address book keeps it: the whole card, never a partial one. */
export interface ContactCard {
  name: string;
  email: string | null;
  phone: string | null;
}

/** An invoice line as the finance system gets it: priced, with the deal line's description. */
export interface InvoiceLineBody extends PricedLine {
  description: string;
}

/**
 * What each operation sends, and the event that causes it (`never`: none is handed over). One map
 * for both sides, so a service cannot send what a connector does not read, like `EventMap` for
 * events.
 */
export interface DeliveryOperations {
  /** erp-orders: the sales order of a won deal, lines mapped to item codes and priced. */
  'sales-orders': { body: EventMap['sales_order_created']; cause: 'deal_won' };
  /** finance-invoicing: the invoice, with its lines for a finance system that creates them. */
  invoices: { body: EventMap['invoice_created'] & { lines: InvoiceLineBody[] }; cause: 'deal_won' };
  /** support-onboarding: the onboarding ticket of a won deal. */
  tickets: { body: EventMap['onboarding_ticket_created']; cause: 'deal_won' };
  /** marketing-segments: a contact moved to a segment. */
  'segment-moves': { body: EventMap['segment_changed']; cause: never };
  /** erp-orders: a canonical customer's changed fields for the ERP's own record. */
  customers: { body: EventMap['customer_synced']; cause: 'customer_synced' };
  /**
   * address-book: a contact's card, keyed by the canonical customer id (written whole, so a retry
   * writes the same card); `card: null` removes the contact (deactivated).
   */
  'address-book-contacts': {
    body: { customerId: string; card: ContactCard | null };
    cause: 'customer_synced';
  };
}

export type Operation = keyof DeliveryOperations;

type CauseOf<O extends Operation> = DeliveryOperations[O]['cause'];

/** One write of operation `O` to a downstream system. */
export interface DeliveryOf<O extends Operation> {
  /** What to create: the adapter maps it to its endpoint. */
  operation: O;
  /** The event id: the downstream creates the effect once however often it is sent. */
  idempotencyKey: string;
  body: DeliveryOperations[O]['body'];
  /**
   * The event that caused the write. Adapters of real systems (Tryton, Request Tracker) build their
   * records from it (the account, the close date); the REST adapter ignores it.
   */
  event?: [CauseOf<O>] extends [never] ? never : { id: string; type: CauseOf<O>; data: EventMap[CauseOf<O>] };
}

/** One write to a downstream system (ERP, finance, support, marketing, CRM), by operation. */
export type Delivery = { [O in Operation]: DeliveryOf<O> }[Operation];

export interface DeliveryReceipt {
  /** The downstream system's id of what it created, when it tells. */
  externalId: string | null;
}

/**
 * The port every consumer writes its effect through. Adapters throw `DownstreamError` with the
 * failure class; anything else they throw is treated as a bug (dead-lettered as unexpected).
 */
export interface DownstreamConnector {
  readonly name: string;
  deliver(delivery: Delivery): Promise<DeliveryReceipt>;
  /**
   * Optional: several deliveries at once (a chunk's, one per deal), in fewer calls to the system
   * than a `deliver` each; the receipts in their order. All or nothing for the caller: it throws if
   * any fails, and the inbox then applies the chunk's events again one at a time through `deliver`,
   * which finds what this call already made by the same keys and finishes it.
   */
  deliverAll?(deliveries: Delivery[]): Promise<DeliveryReceipt[]>;
}

/** Inject with `@Inject(DOWNSTREAM_CONNECTOR) connector: DownstreamConnector`. */
export const DOWNSTREAM_CONNECTOR = Symbol('DOWNSTREAM_CONNECTOR');
