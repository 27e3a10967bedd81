/*
 * The port to the CRM's accounts: what Switchboard writes into the CRM, and reads back from it.
 *
 * It stands for the part of a real CRM (Salesforce's Account, HubSpot's Company, Odoo's res.partner
 * with CRM) that other systems feed: the account record the sales team works on, whose
 * identity, name and owner the CRM masters, and which carries read-only copies of what the ERP and
 * finance master (VAT number, billing address, payment terms, payment status), and the tasks other
 * systems open for the account's manager (Salesforce's Task, HubSpot's task engagement), and the
 * leads that arrive elsewhere (a web form, the shop, support: Salesforce's Web-to-Lead). Otherwise
 * creating accounts and opportunities stays the CRM's own business: an account is found by its CRM id.
 */

import type { Address, TicketPriority } from '@switchboard/contracts';

/**
 * The fields of an account the CRM receives from the ERP (VAT number, billing address, payment
 * terms) and from finance's signals (payment status). Absent (undefined) means unchanged, null
 * cleared, as in `customer_synced`.
 */
export interface CrmAccountChanges {
  vatNumber?: string | null;
  billingAddress?: Address | null;
  paymentTerms?: string | null;
  paymentStatus?: string | null;
}

/** An account as the CRM shows it (the fields this port writes, and the CRM's own identity). */
export interface CrmAccount {
  /** The CRM's account id (what `customer_updated` from the CRM reports as `externalId`). */
  accountId: string;
  name: string;
  vatNumber: string | null;
  billingAddress: Address | null;
  paymentTerms: string | null;
  paymentStatus: string | null;
}

/** What applying changes did: written, nothing to write, or no account with that id. */
export type CrmApplyOutcome = 'applied' | 'unchanged' | 'account_missing';

/** A task for a CRM user on an account, e.g. "call the customer about an escalated ticket". */
export interface CrmTask {
  /** Switchboard's stable id of the task: the CRM keeps it on the task, so it is opened once. */
  taskId: string;
  /** The CRM's account id the task is about. */
  accountId: string;
  /** The login of the CRM user the task is assigned to (one the CRM knows, see `knownUsers`). */
  assignee: string;
  subject: string;
  description: string | null;
  priority: TicketPriority;
  /** What asked for the task, e.g. `ticket_escalated`, and its record there, e.g. `RT-42`. */
  reason: string;
  sourceReference: string;
}

/** A prospect account for the CRM from a system that is not the sales team's (a web form, the shop). */
export interface CrmLead {
  /** The CRM account id it gets: the same lead reported again is the same account. */
  accountId: string;
  name: string;
  email: string | null;
  phone: string | null;
  /** The login of the CRM user who owns the account (one the CRM knows). */
  owner: string;
}

/** What opening a lead did: a new account, or the CRM already has the account (left as it is). */
export type CrmLeadOutcome = 'created' | 'exists';

/** What opening a task did: opened, already open under its task id, or no account with that id. */
export type CrmTaskOutcome = 'created' | 'exists' | 'account_missing';

export interface CrmAccounts {
  /** The adapter's name, for errors and metrics (e.g. `tryton-crm`). */
  readonly name: string;
  /** The active account with this CRM id; null when the CRM has none (or archived it). */
  findAccount(accountId: string): Promise<CrmAccount | null>;
  /**
   * Writes the changes onto the account with this id, only what differs. Adapters throw
   * `DownstreamError` with the failure class, like every downstream adapter.
   */
  applyToAccount(accountId: string, changes: CrmAccountChanges): Promise<CrmApplyOutcome>;
  /** Of these logins, those of active CRM users a task can be assigned to. */
  knownUsers(logins: readonly string[]): Promise<string[]>;
  /**
   * Opens the task on the account for its assignee, unless the CRM already has a task with this
   * task id (so a request repeated after a crash is still one task).
   */
  openTask(task: CrmTask): Promise<CrmTaskOutcome>;
  /**
   * Creates the lead's account, owned by its owner, unless the CRM already has an account (active or
   * archived) with its id: what the sales team made of it since is theirs.
   */
  openLead(lead: CrmLead): Promise<CrmLeadOutcome>;
}

/** Inject with `@Inject(CRM_ACCOUNTS) crm: CrmAccounts`. */
export const CRM_ACCOUNTS = Symbol('CRM_ACCOUNTS');
