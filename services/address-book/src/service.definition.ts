import type { ServiceDefinition } from '@switchboard/platform';

import { AddressBookContact } from './contacts/address-book-contact.entity';
import { AddressBookTables1763869000000 } from './migrations/1763869000000-AddressBookTables';

/**
 * The contacts system: the CRM-mastered contact fields (name, e-mail, phone) as an address book,
 * its own table in `builtin` mode, a CardDAV server (Radicale locally) in `real` mode. It receives
 * only: it produces nothing and no poller reads it, so nothing it holds comes back as a change.
 */
export const addressBookService: ServiceDefinition = {
  name: 'address-book',
  schema: 'address_book',
  defaultPort: 3008,
  consumes: ['customer_synced'],
  produces: [],
  downstream: 'contacts',
  entities: [AddressBookContact],
  migrations: [AddressBookTables1763869000000],
};
