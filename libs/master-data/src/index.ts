export {
  CUSTOMER_FIELD_NAMES,
  FIELD_KINDS,
  isCustomerField,
  type CustomerFieldName,
  type FieldKind,
  type FieldValue,
  type FieldValues,
} from './fields';
export {
  InvalidValue,
  isBlank,
  mergeText,
  normalizeEmail,
  normalizeFieldValue,
  normalizeVat,
  parseTimestamp,
  stableStringify,
  toIso,
  valueHash,
  valuesEqual,
} from './normalize';
export {
  CONFLICT_STRATEGIES,
  FLOW_ATTRIBUTES,
  OwnershipConfigError,
  fieldPolicyOf,
  flowAllows,
  loadOwnershipFile,
  parseOwnership,
  receiversOf,
  validateOwnership,
  type ConflictStrategy,
  type EntityPolicy,
  type FieldPolicy,
  type FlowRecord,
  type FlowRule,
  type OwnershipConfig,
} from './ownership';
export {
  decideField,
  nextFieldState,
  type DecisionContext,
  type FieldDecision,
  type FieldState,
  type IncomingValue,
} from './decide';
export { chooseMatch, type MatchResult, type MatchRule } from './matching';
