// Decorator metadata (design:type) is read by class-transformer and the schema generator at runtime.
import 'reflect-metadata';

export {
  EVENT_TYPES,
  EventType,
  SOURCE_SYSTEMS,
  isEventType,
  isSourceSystem,
  type SourceSystem,
} from './event-type';
export {
  EVENT_CATALOG,
  Topic,
  dataSchemaUri,
  deadLetterTopic,
  topicOf,
  type EventDefinition,
  type EventMap,
} from './catalog';
export {
  CURRENCY_CODES,
  DECIMAL_PATTERN,
  Decimal,
  decimalPlaces,
  isCurrencyCode,
  minorUnits,
  roundMoney,
} from './money';
export {
  IsCalendarDate,
  IsCurrencyCode,
  IsDecimalString,
  IsMoneyAmount,
  IsRfc3339,
  IsTraceparent,
  MaxLen,
  isCalendarDate,
  isDecimalString,
  isRfc3339,
  isTraceparent,
  type DecimalStringOptions,
} from './decorators';
export {
  ContractViolation,
  crossChecked,
  inheritedNameErrors,
  validatePayload,
  type FieldError,
} from './validation';
export { compileClassValidator } from './compiled-validation';
export {
  CloudEventEnvelope,
  buildCloudEvent,
  composeCloudEvent,
  exampleCloudEvent,
  parseCloudEvent,
  type CloudEvent,
} from './cloud-event';
export { nameBasedUuid, timeOrderedUuid, uuidV5 } from './ids';
export { priceDeal, type PricedDeal, type PricedLine } from './pricing';
export { jsonSchemaFor, renderSchemaFiles, schemaFileName, type JsonSchema } from './json-schema';
export { Address, Money } from './payloads/common';
export {
  DEAL_LINES_MAX,
  DealAccount,
  DealContact,
  DealLine,
  DealOwner,
  DealWonV1,
} from './payloads/deal-won.v1';
export {
  CUSTOMER_ENTITIES,
  CustomerFields,
  CustomerUpdatedV1,
  type CustomerEntity,
} from './payloads/customer-updated.v1';
export { InvoicePaidV1 } from './payloads/invoice-paid.v1';
export {
  CHANGE_ORIGINS,
  ChangeSource,
  CrmTaskRequestedV1,
  CrossReference,
  CustomerSyncedV1,
  SYNC_ACTIONS,
  SyncedFields,
  type ChangeOrigin,
  type SyncAction,
} from './payloads/customer-sync.v1';
export { TICKET_PRIORITIES, TicketEscalatedV1, type TicketPriority } from './payloads/ticket-escalated.v1';
export {
  InvoiceCreatedV1,
  OnboardingTicketCreatedV1,
  SalesOrderCreatedV1,
  SalesOrderLine,
  SegmentChangedV1,
} from './payloads/results.v1';
export {
  asyncApiDocument,
  renderAsyncApiFiles,
  renderAsyncApiMarkdown,
  type AsyncApiDocument,
} from './asyncapi';
export {
  AMOUNT_BOUNDS,
  amountCheck,
  amountCheckStatements,
  type AmountBound,
  type BoundedColumn,
} from './amount-bounds';
