import { ApiProperty } from '@nestjs/swagger';

import type { AddressBookContact } from '../address-book-contact.entity';

/** A customer's contact as the address book holds it. */
export class AddressBookContactDto {
  @ApiProperty({ description: "Switchboard's canonical customer id (the vCard's UID)" })
  customerId!: string;

  @ApiProperty({ type: String, nullable: true })
  name!: string | null;

  @ApiProperty({ type: String, nullable: true })
  email!: string | null;

  @ApiProperty({ type: String, nullable: true })
  phone!: string | null;

  @ApiProperty({ description: 'False once the customer was deactivated (its card is removed)' })
  active!: boolean;

  @ApiProperty({ description: 'The customer_synced version last applied' })
  appliedVersion!: number;

  @ApiProperty({ format: 'uuid', description: 'The customer_synced event that last changed it' })
  eventId!: string;

  @ApiProperty()
  updatedAt!: Date;
}

export function addressBookContactDto(contact: AddressBookContact): AddressBookContactDto {
  return {
    customerId: contact.customerId,
    name: contact.name,
    email: contact.email,
    phone: contact.phone,
    active: contact.active,
    appliedVersion: contact.appliedVersion,
    eventId: contact.eventId,
    updatedAt: contact.updatedAt,
  };
}
