import { Inject, Injectable } from '@nestjs/common';

import { ownerScopeOf } from '../auth/roles';
import type { ConsoleUser } from '../auth/session';
import { ConsoleError, ConsoleErrorCode } from '../console.errors';
import { CustomerSyncClient } from '../customer-sync/customer-sync.client';
import type { CustomerView } from '../customer-sync/customer-sync.types';
import { ownerOf } from './ownership-rule';

/** Reads of a customer as this user may see it: a sales user sees only the accounts they own. */
@Injectable()
export class CustomerAccess {
  constructor(@Inject(CustomerSyncClient) private readonly customerSync: CustomerSyncClient) {}

  async customer(user: ConsoleUser, id: string): Promise<CustomerView> {
    const customer = await this.customerSync.customer(id);
    await this.assertVisible(user, customer);
    return customer;
  }

  async byRef(user: ConsoleUser, system: string, entity: string, externalId: string): Promise<CustomerView> {
    const customer = await this.customerSync.customerByRef(system, entity, externalId);
    await this.assertVisible(user, customer);
    return customer;
  }

  /** Someone else's customer answers like no customer: a sales user cannot probe for ids. */
  private async assertVisible(user: ConsoleUser, customer: CustomerView): Promise<void> {
    const scope = ownerScopeOf(user);
    if (scope === null) return;
    const account =
      customer.entity === 'contact' && customer.accountId
        ? await this.customerSync.customer(customer.accountId)
        : customer;
    const { defaultAccountOwner } = await this.customerSync.ownership();
    if (ownerOf(account, defaultAccountOwner) !== scope) {
      throw new ConsoleError(ConsoleErrorCode.NotFound, `No customer ${customer.id}`);
    }
  }
}
