import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min, ValidateNested, IsObject } from 'class-validator';
import { Type } from 'class-transformer';
import { JSONSchema } from 'class-validator-jsonschema';
import { SOURCE_SYSTEMS, type SourceSystem } from '../event-type';
import { IsRfc3339, MaxLen, Nested, OptionalEmail, OptionalText, RequiredText } from '../decorators';
import { Address } from './common';

export const CUSTOMER_ENTITIES = ['account', 'contact'] as const;
export type CustomerEntity = (typeof CUSTOMER_ENTITIES)[number];

/**
 * Only the fields that changed. Absent means unchanged; null means the source system cleared the value.
 */
export class CustomerFields {
  @OptionalText(MaxLen.name)
  name?: string | null;

  @OptionalEmail()
  email?: string | null;

  @OptionalText(MaxLen.code)
  phone?: string | null;

  @OptionalText(MaxLen.code)
  vatNumber?: string | null;

  @OptionalText(MaxLen.code)
  fiscalCode?: string | null;

  @IsOptional()
  // Without IsObject, class-validator would take an array here and validate each element.
  @IsObject()
  @ValidateNested()
  @Type(() => Address)
  billingAddress?: Address | null;

  /** A contact's own postal address (an account's is `billingAddress`). */
  @IsOptional()
  // Without IsObject, class-validator would take an array here and validate each element.
  @IsObject()
  @ValidateNested()
  @Type(() => Address)
  address?: Address | null;

  @OptionalText(MaxLen.code)
  paymentTerms?: string | null;

  /** The customer's price list or pricing group (`EU-RETAIL`). */
  @OptionalText(MaxLen.code)
  priceList?: string | null;

  /** The kind of account, e.g. `prospect`, `customer`, `partner`; routes records through flows. */
  @OptionalText(MaxLen.code)
  accountType?: string | null;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  leadScore?: number | null;

  @OptionalText(MaxLen.name)
  accountOwner?: string | null;

  @OptionalText(MaxLen.code)
  status?: string | null;

  @OptionalText(MaxLen.notes)
  notes?: string | null;
}

@JSONSchema({ description: 'A customer account or contact changed in one of the source systems.' })
export class CustomerUpdatedV1 {
  @IsIn(SOURCE_SYSTEMS)
  system!: SourceSystem;

  @IsIn(CUSTOMER_ENTITIES)
  entity!: CustomerEntity;

  /** The record's id in `system`. */
  @RequiredText()
  externalId!: string;

  @IsRfc3339()
  changedAt!: string;

  @Nested(() => CustomerFields)
  fields!: CustomerFields;

  /** True when the record was deleted in `system`; `fields` may then be empty. */
  @IsOptional()
  @IsBoolean()
  deleted?: boolean | null;

  /** For a contact: the id of its account in `system`, so the contact travels with its customer. */
  @OptionalText()
  accountExternalId?: string | null;

  /** With `deleted`: the record was merged into this other record of `system` (e.g. two CRM accounts). */
  @OptionalText()
  mergedIntoExternalId?: string | null;

  /**
   * Switchboard's customer id, when the record was created from a `customer_synced` event: links the
   * new record to its customer directly, without matching.
   */
  @OptionalText()
  switchboardCustomerId?: string | null;
}
