export { DownstreamError, type FailureClass } from './downstream-error';
export {
  DOWNSTREAM_CONNECTOR,
  type ContactCard,
  type Delivery,
  type DeliveryOf,
  type DeliveryOperations,
  type InvoiceLineBody,
  type Operation,
  type DeliveryReceipt,
  type DownstreamConnector,
  type DownstreamKind,
} from './downstream-connector';
export {
  CRM_ACCOUNTS,
  type CrmAccount,
  type CrmAccountChanges,
  type CrmAccounts,
  type CrmApplyOutcome,
  type CrmLead,
  type CrmLeadOutcome,
  type CrmTask,
  type CrmTaskOutcome,
} from './crm-accounts';
