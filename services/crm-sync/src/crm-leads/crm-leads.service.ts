import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import type { CloudEvent } from '@switchboard/contracts';
import { CRM_ACCOUNTS, type CrmAccounts } from '@switchboard/downstream';
import type { ChunkContext } from '@switchboard/inbox';

import { crmLeadEvents } from './crm-leads.metrics';
import { planLead } from './lead-rule';

@Injectable()
export class CrmLeadsService {
  private readonly defaultOwner: string;

  constructor(
    @Inject(CRM_ACCOUNTS) private readonly crm: CrmAccounts,
    config: ConfigService,
  ) {
    this.defaultOwner = config.getOrThrow<string>('CRM_SYNC_DEFAULT_OWNER');
  }

  /**
   * `customer_updated` as the sales team's leads: a new account from a web form, the shop or support
   * becomes a CRM account owned by the default owner (planLead), in partition order. The inbox makes
   * each event count once, and the CRM finds the account again by its id, so a record reported again
   * (or redelivered after the CRM created it) is still one account.
   */
  async openLeads(events: Array<CloudEvent<'customer_updated'>>, chunk: ChunkContext): Promise<void> {
    for (const event of events) {
      const plan = planLead(event.data, this.defaultOwner);
      if (!plan.open) {
        crmLeadEvents.inc({ outcome: `skipped_${plan.skip}` });
        continue;
      }
      const outcome = await chunk.within(event, () => this.crm.openLead(plan.lead));
      crmLeadEvents.inc({ outcome });
    }
  }
}
