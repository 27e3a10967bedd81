import type {
  CrmAccount,
  CrmAccounts,
  CrmApplyOutcome,
  CrmLeadOutcome,
  CrmTaskOutcome,
  DeliveryReceipt,
  DownstreamConnector,
} from '@switchboard/downstream';

/**
 * The default: the consumer's own tables are the system of record (the read APIs serve them), so
 * there is nothing to call.
 */
export class BuiltInConnector implements DownstreamConnector {
  constructor(readonly name: string) {}

  deliver(): Promise<DeliveryReceipt> {
    return Promise.resolve({ externalId: null });
  }
}

/**
 * No CRM on this deployment: the consumer's own tables record what it applied (crm-sync's
 * crm_account_sync), so there is nothing to call and no account to read; tasks go nowhere but the
 * service's log and metrics (leads too), and every assignee counts as known.
 */
export class BuiltInCrmAccounts implements CrmAccounts {
  readonly name = 'builtin-crm';

  findAccount(): Promise<CrmAccount | null> {
    return Promise.resolve(null);
  }

  applyToAccount(): Promise<CrmApplyOutcome> {
    return Promise.resolve('applied');
  }

  knownUsers(logins: readonly string[]): Promise<string[]> {
    return Promise.resolve([...logins]);
  }

  openTask(): Promise<CrmTaskOutcome> {
    return Promise.resolve('created');
  }

  openLead(): Promise<CrmLeadOutcome> {
    return Promise.resolve('created');
  }
}
