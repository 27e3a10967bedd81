/*
 * The port between the flows and the systems they write to: what a consumer hands a connector, what
 * it gets back, and the failure classes the inbox transport decides retries by. The adapters
 * (libs/connectors) implement it; the transport and the services know only this.
 */

/** The kinds of system a flow writes to; a service definition names its own. */
export type DownstreamKind = 'erp' | 'finance' | 'support' | 'marketing' | 'crm';

/** One write to a downstream system (ERP, finance, support, marketing, CRM). */
export interface Delivery {
  /** What to create, e.g. `sales-orders`: the adapter maps it to its endpoint. */
  operation: string;
  /** The event id: the downstream creates the effect once however often it is sent. */
  idempotencyKey: string;
  body: unknown;
  /**
   * The event that caused the write. Adapters of real systems (Tryton, Request Tracker) build their
   * records from it (the account, the close date); the REST adapter ignores it.
   */
  event?: { id: string; type: string; data: unknown };
}

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
}

/** Inject with `@Inject(DOWNSTREAM_CONNECTOR) connector: DownstreamConnector`. */
export const DOWNSTREAM_CONNECTOR = Symbol('DOWNSTREAM_CONNECTOR');
