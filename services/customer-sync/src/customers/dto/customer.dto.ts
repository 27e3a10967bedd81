import { ApiProperty } from '@nestjs/swagger';

import { JSON_VALUE } from '@switchboard/platform';

const FIELDS = {
  type: 'object',
  additionalProperties: { ...JSON_VALUE, nullable: true },
  description: 'The canonical fields by name (name, email, phone, address, ...); personal data',
} as const;

/** A system's record linked to the customer. */
export class CrossReferenceDto {
  @ApiProperty({ example: 'erp' })
  system!: string;

  @ApiProperty()
  externalId!: string;

  @ApiProperty({ example: 'active' })
  status!: string;

  @ApiProperty({ type: String, nullable: true, description: 'How it was matched (key, email, steward, ...)' })
  matchedBy!: string | null;

  @ApiProperty()
  linkedAt!: Date;
}

/** A contact of an account, in short. */
export class ContactSummaryDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  status!: string;

  @ApiProperty(FIELDS)
  fields!: Record<string, unknown>;
}

/** The customer's row as read (before its cross-references and contacts are attached). */
export interface CustomerRow {
  id: string;
  entity: string;
  status: string;
  accountId: string | null;
  mergedInto: string | null;
  fields: Record<string, unknown>;
  version: number;
  syncedTargets: string[];
  createdAt: Date;
  updatedAt: Date;
  deactivatedAt: Date | null;
}

/** The canonical customer (account or contact) with its cross-references and, for an account, its contacts. */
export class CustomerDto implements CustomerRow {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['account', 'contact'] })
  entity!: string;

  @ApiProperty({ example: 'active' })
  status!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: "A contact's account" })
  accountId!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The survivor, after a merge' })
  mergedInto!: string | null;

  @ApiProperty(FIELDS)
  fields!: Record<string, unknown>;

  @ApiProperty({ type: 'integer' })
  version!: number;

  @ApiProperty({ type: [String], description: 'The target systems the customer has been sent to' })
  syncedTargets!: string[];

  @ApiProperty()
  createdAt!: Date;

  @ApiProperty()
  updatedAt!: Date;

  @ApiProperty({ type: Date, nullable: true })
  deactivatedAt!: Date | null;

  @ApiProperty({ type: [CrossReferenceDto] })
  crossReferences!: CrossReferenceDto[];

  @ApiProperty({ type: [ContactSummaryDto] })
  contacts!: ContactSummaryDto[];
}

export function customerDto(
  row: CustomerRow,
  crossReferences: CrossReferenceDto[],
  contacts: ContactSummaryDto[],
): CustomerDto {
  return {
    id: row.id,
    entity: row.entity,
    status: row.status,
    accountId: row.accountId,
    mergedInto: row.mergedInto,
    fields: row.fields,
    version: row.version,
    syncedTargets: row.syncedTargets,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    deactivatedAt: row.deactivatedAt,
    crossReferences,
    contacts,
  };
}

/** One applied change of the field-level history. */
export class AuditEntryDto {
  @ApiProperty({ description: 'A bigint sequence, as a string' })
  seq!: string;

  @ApiProperty({ example: 'field_changed' })
  kind!: string;

  @ApiProperty({ type: String, nullable: true })
  field!: string | null;

  @ApiProperty({ ...JSON_VALUE, nullable: true, description: 'The value before' })
  oldValue!: unknown;

  @ApiProperty({ ...JSON_VALUE, nullable: true, description: 'The value after' })
  newValue!: unknown;

  @ApiProperty({ type: String, nullable: true })
  sourceSystem!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  eventId!: string | null;

  @ApiProperty({ description: 'Who made it: a source system or `steward:<name>`' })
  actor!: string;

  @ApiProperty({ type: Date, nullable: true, description: 'When it changed in the source' })
  changedAt!: Date | null;

  @ApiProperty()
  recordedAt!: Date;
}

/** A change that was not applied, with the reason. */
export class RefusedChangeDto {
  @ApiProperty({ description: 'A bigint sequence, as a string' })
  seq!: string;

  @ApiProperty()
  system!: string;

  @ApiProperty()
  externalId!: string;

  @ApiProperty()
  field!: string;

  @ApiProperty({ ...JSON_VALUE, nullable: true, description: 'The refused value' })
  value!: unknown;

  @ApiProperty({ example: 'not_owner' })
  reason!: string;

  @ApiProperty({ type: String, nullable: true })
  message!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  eventId!: string | null;

  @ApiProperty({ type: Date, nullable: true })
  changedAt!: Date | null;

  @ApiProperty()
  recordedAt!: Date;
}

export class RefusedSummaryDto {
  @ApiProperty()
  system!: string;

  @ApiProperty()
  field!: string;

  @ApiProperty()
  reason!: string;

  @ApiProperty({ type: 'integer' })
  count!: number;
}

export class ExportItemDto {
  @ApiProperty()
  externalId!: string;

  @ApiProperty({ type: CustomerDto, nullable: true })
  customer!: CustomerDto | null;
}

/** One page of a bulk export; `next` is the `after` of the following page (null on the last). */
export class ExportPageDto {
  @ApiProperty({ type: [ExportItemDto] })
  items!: ExportItemDto[];

  @ApiProperty({ type: String, nullable: true })
  next!: string | null;
}
