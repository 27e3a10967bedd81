import type { CustomerView } from '../customer-sync/customer-sync.types';

/**
 * The owner of an account: its `accountOwner`, or the ownership file's default owner when it names
 * none (the source documents' default-owner rule). A contact belongs to its account's owner.
 */
export function ownerOf(account: Pick<CustomerView, 'fields'>, defaultOwner: string): string {
  const owner = account.fields.accountOwner;
  return typeof owner === 'string' && owner.trim() !== '' ? owner.trim() : defaultOwner;
}
