import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsOptional, Min, ValidateNested, IsObject } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { SOURCE_SYSTEMS, type SourceSystem } from '../event-type';
import { IsRfc3339, MaxLen, Nested, OptionalText, RequiredText } from '../decorators';
import { Money } from './common';
import { CUSTOMER_ENTITIES, CustomerFields, type CustomerEntity } from './customer-updated.v1';
import { TICKET_PRIORITIES, type TicketPriority } from './ticket-escalated.v1';

// Published by customer-sync: the canonical customer's changes, each addressed to one target system,
// and the follow-up work other events ask of the CRM.

export const SYNC_ACTIONS = ['upsert', 'deactivate', 'merge'] as const;
export type SyncAction = (typeof SYNC_ACTIONS)[number];

/** Who a change came from: a source system, or Switchboard itself (a data steward's decision, an initial load). */
export const CHANGE_ORIGINS = [...SOURCE_SYSTEMS, 'switchboard'] as const;
export type ChangeOrigin = (typeof CHANGE_ORIGINS)[number];

/** The customer fields a target system receives, plus the ones derived from finance and support events. */
export class SyncedFields extends CustomerFields {
  /** Payment status of the customer's invoices as finance reports it (`paid`). */
  @OptionalText(MaxLen.code)
  paymentStatus?: string | null;

  @IsOptional()
  @IsRfc3339()
  lastPaymentAt?: string | null;

  @OptionalText()
  lastInvoiceNumber?: string | null;

  @IsOptional()
  // Without IsObject, class-validator would take an array here and validate each element.
  @IsObject()
  @ValidateNested()
  @Type(() => Money)
  lastPaymentAmount?: Money | null;

  /** The marketing segment the contact belongs in (`paying-customers`, `at-risk`). */
  @OptionalText(MaxLen.name)
  segment?: string | null;
}

export class CrossReference {
  @IsIn(SOURCE_SYSTEMS)
  system!: SourceSystem;

  @RequiredText()
  externalId!: string;
}

export class ChangeSource {
  @IsIn(CHANGE_ORIGINS)
  system!: ChangeOrigin;

  /** The Switchboard event id the change came in with; null for a steward's decision. */
  @OptionalText()
  eventId?: string | null;

  /** Who made the change: `system:<name>`, `steward:<name>` or `load:<run id>`. */
  @RequiredText(MaxLen.name)
  actor!: string;
}

@JSONSchema({
  description:
    'A change of a canonical customer for one target system to apply. Never addressed to the system the change came from.',
})
export class CustomerSyncedV1 {
  /** Switchboard's canonical customer id (stable; echo it as `switchboardCustomerId` when creating the record). */
  @RequiredText()
  customerId!: string;

  @IsIn(CUSTOMER_ENTITIES)
  entity!: CustomerEntity;

  /** The system that should act. */
  @IsIn(SOURCE_SYSTEMS)
  target!: SourceSystem;

  /** The record in `target`; absent or null when the target does not have it yet (create it). */
  @OptionalText()
  targetExternalId?: string | null;

  /** For a contact: its account's id in `target`, when known. */
  @OptionalText()
  accountTargetExternalId?: string | null;

  @IsIn(SYNC_ACTIONS)
  action!: SyncAction;

  /** Increases with every change of the customer: apply only a higher version than the one applied. */
  @IsInt()
  @Min(1)
  version!: number;

  /** Source timestamp of the change (RFC 3339). */
  @IsRfc3339()
  changedAt!: string;

  @Nested(() => ChangeSource)
  origin!: ChangeSource;

  /** Only the fields that changed and that `target` receives; null means cleared. */
  @Nested(() => SyncedFields)
  fields!: SyncedFields;

  /** The customer's id in each source system (the oldest active one where a system has several). */
  @IsArray()
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => CrossReference)
  crossReferences!: CrossReference[];

  /** With action `merge`: the customer that was merged into this one (it no longer exists). */
  @OptionalText()
  mergedCustomerId?: string | null;

  /** Why, for changes Switchboard derives: `invoice_paid`, `ticket_escalated`, `promotion`, `review`, `initial_load`. */
  @OptionalText(MaxLen.code)
  reason?: string | null;
}

@JSONSchema({ description: 'The CRM should open a task for the account manager of a customer.' })
export class CrmTaskRequestedV1 {
  /** Stable id of the task: the same request is never opened twice. */
  @RequiredText()
  taskId!: string;

  @RequiredText()
  crmAccountId!: string;

  /** Switchboard's customer id, when the customer is known. */
  @OptionalText()
  customerId?: string | null;

  /** The account owner, or the configured default owner when the account has none. */
  @RequiredText(MaxLen.name)
  assignee!: string;

  @IsBoolean()
  assignedToDefaultOwner!: boolean;

  @RequiredText(MaxLen.text)
  subject!: string;

  @OptionalText(MaxLen.text)
  description?: string | null;

  @IsIn(TICKET_PRIORITIES)
  priority!: TicketPriority;

  /** What asked for the task, e.g. `ticket_escalated`. */
  @RequiredText(MaxLen.code)
  reason!: string;

  /** The record in the source system, e.g. the support ticket id. */
  @RequiredText()
  sourceReference!: string;
}
