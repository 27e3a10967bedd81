import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ProtectedApi } from '@switchboard/platform';

import { ContactsService } from './contacts.service';
import { AddressBookContactDto, addressBookContactDto } from './dto/address-book-contact.dto';

/** Names, e-mails and phone numbers: a viewer token (401/403), per-token rate limit, no-store. */
@ProtectedApi('viewer')
@ApiTags('contacts')
@Controller('v1/contacts')
export class ContactsController {
  constructor(private readonly contacts: ContactsService) {}

  @Get(':customerId')
  @ApiOperation({ summary: "A customer's contact in the address book" })
  @ApiOkResponse({ type: AddressBookContactDto })
  @ApiNotFoundResponse({ description: 'The address book never received this customer' })
  async byCustomer(@Param('customerId') customerId: string): Promise<AddressBookContactDto> {
    const contact = await this.contacts.findByCustomer(customerId);
    if (!contact) throw new NotFoundException(`No contact for customer ${customerId}`);
    return addressBookContactDto(contact);
  }
}
