export { BuiltInConnector, BuiltInCrmAccounts } from './builtin-connector';
export { ConnectorModule } from './connector.module';
export {
  CardDavEnv,
  CrmEnv,
  DownstreamEnv,
  RequestTrackerEnv,
  TrytonEnv,
  connectorEnvClasses,
} from './connector-env';
export { CardDavConnector, cardDavFailure, type CardDavOptions } from './carddav/carddav-connector';
export { contactToVCard, vCardFileName, vCardToContact } from './carddav/vcard';
export { HttpConnector, type HttpConnectorOptions } from './http-connector';
export { connectorMetrics } from './connector.metrics';
export {
  TrytonClient,
  TrytonDate,
  TrytonDecimal,
  classifyError as classifyTrytonError,
  date as trytonDate,
  decimal as trytonDecimal,
  type TrytonClientOptions,
} from './tryton/tryton-client';
export {
  TrytonConnector,
  netUnitPrice,
  type TrytonConnectorOptions,
  type TrytonDeal,
  type TrytonInvoicing,
} from './tryton/tryton-connector';
export {
  TrytonParties,
  TrytonDateTime,
  newestStamp,
  partyCodeFor,
  partyCustomerUpdated,
  partyToCustomerFields,
  partyWriteValues,
  trytonTimestamp,
  type PartyChange,
  type PartyRecordKind,
  type PartySnapshot,
  type PartySync,
} from './tryton/tryton-parties';
export {
  ACCOUNT_OWNER_RELATION,
  TrytonCrmAccounts,
  crmLeadValues,
  crmTaskValues,
  crmWriteValues,
  taskReference,
  type CrmPartyExtras,
  type CrmLeadRefs,
  type CrmRefs,
  type CrmTaskRefs,
} from './tryton/tryton-crm';
export {
  TrytonCrmOpportunities,
  opportunityDealWon,
  opportunityWonEventId,
  type OpportunitySnapshot,
  type OpportunityState,
} from './tryton/tryton-crm-opportunities';
export {
  CONTACT_OF_RELATION,
  TrytonCrmParties,
  crmPartyChanges,
  type ContactLink,
} from './tryton/tryton-crm-parties';
export {
  RequestTrackerConnector,
  ticketSummary,
  ticketTag,
  type TicketDeal,
  type RequestTrackerOptions,
} from './request-tracker/request-tracker-connector';
export { tracedConnector } from './traced-connector';
