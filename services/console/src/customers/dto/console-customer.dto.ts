import { ApiProperty } from '@nestjs/swagger';

import { JSON_VALUE } from '@switchboard/platform';

import type { CrossReference, CustomerView, JsonValue } from '../../customer-sync/customer-sync.types';
import { visibleValue } from '../personal-data';

export class ConsoleCrossReferenceDto {
  @ApiProperty({ example: 'erp' })
  system!: string;

  @ApiProperty({ description: "The record's id in that system" })
  externalId!: string;

  @ApiProperty({ example: 'active' })
  status!: string;

  @ApiProperty({ type: String, nullable: true, description: 'How it was matched (key, email, steward, ...)' })
  matchedBy!: string | null;

  @ApiProperty({ format: 'date-time' })
  linkedAt!: string;
}

/** A customer as the signed-in user may see it: personal data masked unless a role lets them read it. */
export class ConsoleCustomerDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['account', 'contact'] })
  entity!: 'account' | 'contact';

  @ApiProperty({ example: 'active', description: '`active`, `merged` or `inactive`' })
  status!: string;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The customer this one was merged into (status `merged`)',
  })
  mergedInto!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: { ...JSON_VALUE, nullable: true },
    description:
      "The canonical fields by name; personal ones (e-mail, phone, a contact's name, ...) masked as `a•••@example.com` or `+••••••••01` when `personalDataMasked`",
  })
  fields!: Record<string, JsonValue>;

  @ApiProperty({ type: [ConsoleCrossReferenceDto], description: 'Its record in each system' })
  crossReferences!: ConsoleCrossReferenceDto[];

  @ApiProperty({
    description: "True when the user's roles do not read personal data (a viewer, an operator)",
  })
  personalDataMasked!: boolean;
}

function toCrossReference(ref: CrossReference): ConsoleCrossReferenceDto {
  return {
    system: ref.system,
    externalId: ref.externalId,
    status: ref.status,
    matchedBy: ref.matchedBy,
    linkedAt: ref.linkedAt,
  };
}

export function toConsoleCustomer(customer: CustomerView, seesPersonalData: boolean): ConsoleCustomerDto {
  return {
    id: customer.id,
    entity: customer.entity,
    status: customer.status,
    mergedInto: customer.mergedInto,
    fields: Object.fromEntries(
      Object.entries(customer.fields).map(([field, value]) => [
        field,
        visibleValue(field, customer.entity, value, seesPersonalData),
      ]),
    ),
    crossReferences: customer.crossReferences.map(toCrossReference),
    personalDataMasked: !seesPersonalData,
  };
}
