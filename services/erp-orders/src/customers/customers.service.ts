import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import type { DealWonV1 } from '@switchboard/contracts';

import { ErpCustomer } from './erp-customer.entity';

@Injectable()
export class CustomersService {
  /**
   * The ERP customer a deal is sold to. A prospect (or an account the ERP does not know yet) is
   * created once, keyed by its CRM account id: concurrent deals of the same new account race on
   * the unique key and all end up on the same customer.
   */
  async resolveForDeal(
    manager: EntityManager,
    deal: DealWonV1,
  ): Promise<{ customerNumber: string; created: boolean }> {
    const { account } = deal;
    if (!account.isProspect && account.erpCustomerNumber) {
      return { customerNumber: account.erpCustomerNumber, created: false };
    }
    const inserted: Array<{ customer_number: string }> = await manager.query(
      `INSERT INTO erp_customer (customer_number, crm_account_id, name, email, vat_number, country, promoted_from_deal_id)
       VALUES ('C' || lpad(nextval('erp_customer_number_seq')::text, 8, '0'), $1, $2, $3, $4, $5, $6)
       ON CONFLICT (crm_account_id) DO NOTHING
       RETURNING customer_number`,
      [
        account.crmAccountId,
        account.name,
        account.email,
        account.vatNumber ?? null,
        account.country ?? null,
        deal.dealId,
      ],
    );
    if (inserted[0]) return { customerNumber: inserted[0].customer_number, created: true };
    const existing = await manager.findOneByOrFail(ErpCustomer, { crmAccountId: account.crmAccountId });
    return { customerNumber: existing.customerNumber, created: false };
  }
}
