// What customer-sync's API answers and takes, as the console reads it: the DTOs of the OpenAPI
// document customer-sync serves (customer-sync.openapi.ts is generated from it), so a changed DTO
// that the console does not follow fails the typecheck instead of a page.
import type { components } from './customer-sync.openapi';

type Schemas = components['schemas'];

/** Any JSON value: a customer field's value, held, before or after a change. */
export type JsonValue = NonNullable<Schemas['AuditEntryDto']['newValue']> | null;

export type ReviewItem = Schemas['ReviewItemDto'];
/** Exactly one of: a candidate's index, a value of the steward's own, the right customer, a new one, or the candidate the others are merged into. */
export type ResolveRequest = Schemas['ResolveReviewDto'];
export type CrossReference = Schemas['CrossReferenceDto'];
export type CustomerView = Schemas['CustomerDto'];
export type AuditEntry = Schemas['AuditEntryDto'];
export type RefusedChange = Schemas['RefusedChangeDto'];
export type FieldRule = Schemas['FieldRuleDto'];
export type Ownership = Schemas['OwnershipDto'];
export type SyncReport = Schemas['SyncReportDto'];
/** One initial load (GET /v1/initial-loads), running or completed. */
export type InitialLoad = Schemas['InitialLoadDto'];
