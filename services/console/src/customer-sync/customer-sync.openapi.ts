// Generated from customer-sync's OpenAPI document (GET /docs-json) by openapi-typescript; do not edit.
// test/observability/openapi.test.ts fails when it differs from what the service serves;
// `UPDATE_OPENAPI=1 npm test -- test/observability/openapi.test.ts` writes it again.

export interface paths {
    "/health/live": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["HealthController_live"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["HealthController_ready"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["MetricsController_scrape"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/customers/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Bulk export of a system's customers, a page at a time (audited)
         * @description Needs a bearer API token with the `exporter` role.
         */
        get: operations["CustomersController_export"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/customers/by-ref/{system}/{entity}/{externalId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The customer a system's record is linked to
         * @description Needs a bearer API token with the `viewer` or `data-steward` role.
         */
        get: operations["CustomersController_byRef"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/customers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One canonical customer with its cross-references
         * @description Needs a bearer API token with the `viewer` or `data-steward` role.
         */
        get: operations["CustomersController_one"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/customers/{id}/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The customer's field-level history, oldest first
         * @description Needs a bearer API token with the `viewer` or `data-steward` role.
         */
        get: operations["CustomersController_audit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/customers/{id}/refused-changes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Changes to the customer that were not applied, with the reason
         * @description Needs a bearer API token with the `viewer` or `data-steward` role.
         */
        get: operations["CustomersController_refused"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/refused-changes/summary": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Refused changes counted per system, field and reason
         * @description Needs a bearer API token with the `viewer` or `data-steward` role.
         */
        get: operations["CustomersController_summary"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/review-items": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The review queue, oldest first (at most 500)
         * @description Needs a bearer API token with the `viewer` or `data-steward` role.
         */
        get: operations["ReviewController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/review-items/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One review item
         * @description Needs a bearer API token with the `viewer` or `data-steward` role.
         */
        get: operations["ReviewController_one"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/review-items/{id}/resolve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Resolve a review item; the decision is applied and published like any change
         * @description Needs a bearer API token with the `data-steward` role.
         */
        post: operations["ReviewController_resolve"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sync-reports": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Reports of incremental run windows and initial loads, newest first (at most 200)
         * @description Needs a bearer API token with the `viewer` or `data-steward` role.
         */
        get: operations["SyncReportsController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/initial-loads": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The latest initial loads (at most 20), newest first, with their progress
         * @description Needs a bearer API token with the `viewer` or `data-steward` role.
         */
        get: operations["InitialLoadsController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ownership": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Needs a bearer API token with the `viewer` or `data-steward` role. */
        get: operations["OwnershipController_current"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        CrossReferenceDto: {
            /** @example erp */
            system: string;
            externalId: string;
            /** @example active */
            status: string;
            /** @description How it was matched (key, email, steward, ...) */
            matchedBy: string | null;
            /** Format: date-time */
            linkedAt: string;
        };
        ContactSummaryDto: {
            /** Format: uuid */
            id: string;
            status: string;
            /** @description The canonical fields by name (name, email, phone, address, ...); personal data */
            fields: {
                [key: string]: (string | number | boolean | {
                    [key: string]: unknown;
                } | unknown[]) | null;
            };
        };
        CustomerDto: {
            /** Format: uuid */
            id: string;
            /** @enum {string} */
            entity: "account" | "contact";
            /** @example active */
            status: string;
            /**
             * Format: uuid
             * @description A contact's account
             */
            accountId: string | null;
            /**
             * Format: uuid
             * @description The survivor, after a merge
             */
            mergedInto: string | null;
            /** @description The canonical fields by name (name, email, phone, address, ...); personal data */
            fields: {
                [key: string]: (string | number | boolean | {
                    [key: string]: unknown;
                } | unknown[]) | null;
            };
            version: number;
            /** @description The target systems the customer has been sent to */
            syncedTargets: string[];
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            /** Format: date-time */
            deactivatedAt: string | null;
            crossReferences: components["schemas"]["CrossReferenceDto"][];
            contacts: components["schemas"]["ContactSummaryDto"][];
        };
        ExportItemDto: {
            externalId: string;
            customer: components["schemas"]["CustomerDto"] | null;
        };
        ExportPageDto: {
            items: components["schemas"]["ExportItemDto"][];
            next: string | null;
        };
        AuditEntryDto: {
            /** @description A bigint sequence, as a string */
            seq: string;
            /** @example field_changed */
            kind: string;
            field: string | null;
            /** @description The value before */
            oldValue: (string | number | boolean | {
                [key: string]: unknown;
            } | unknown[]) | null;
            /** @description The value after */
            newValue: (string | number | boolean | {
                [key: string]: unknown;
            } | unknown[]) | null;
            sourceSystem: string | null;
            /** Format: uuid */
            eventId: string | null;
            /** @description Who made it: a source system or `steward:<name>` */
            actor: string;
            /**
             * Format: date-time
             * @description When it changed in the source
             */
            changedAt: string | null;
            /** Format: date-time */
            recordedAt: string;
        };
        RefusedChangeDto: {
            /** @description A bigint sequence, as a string */
            seq: string;
            system: string;
            externalId: string;
            field: string;
            /** @description The refused value */
            value: (string | number | boolean | {
                [key: string]: unknown;
            } | unknown[]) | null;
            /** @example not_owner */
            reason: string;
            message: string | null;
            /** Format: uuid */
            eventId: string | null;
            /** Format: date-time */
            changedAt: string | null;
            /** Format: date-time */
            recordedAt: string;
        };
        RefusedSummaryDto: {
            system: string;
            field: string;
            reason: string;
            count: number;
        };
        ReviewCandidateDto: {
            /** @description The source system of a held value */
            system?: string;
            /** @description A held value */
            value?: (string | number | boolean | {
                [key: string]: unknown;
            } | unknown[]) | null;
            /**
             * Format: date-time
             * @description When the held value changed in its source
             */
            changedAt?: string;
            /**
             * Format: uuid
             * @description The event that brought the held value
             */
            eventId?: string | null;
            /** @description The canonical value when the conflict was opened */
            current?: boolean;
            /**
             * Format: uuid
             * @description A candidate customer of a match
             */
            customerId?: string;
            /**
             * @description How a match found the candidate (email, vat)
             * @example email
             */
            rule?: string;
        };
        ReviewItemDto: {
            /** Format: uuid */
            id: string;
            /** @enum {string} */
            kind: "conflict" | "ambiguous_match";
            /** @enum {string} */
            status: "open" | "resolved";
            /** Format: uuid */
            customerId: string | null;
            /** @enum {string} */
            entity: "account" | "contact";
            /** @description The field in conflict */
            field: string | null;
            system: string | null;
            externalId: string | null;
            candidates: components["schemas"]["ReviewCandidateDto"][];
            reason: string | null;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            resolvedAt: string | null;
            /** @description `steward:<name>` */
            resolvedBy: string | null;
            /** @description The decision */
            resolution: {
                [key: string]: unknown;
            } | null;
        };
        ResolveReviewDto: {
            /** @description The index of a held value (a conflict) */
            candidate?: number;
            /** @description A value of the steward's own (a conflict); null clears */
            value?: (string | number | boolean | {
                [key: string]: unknown;
            } | unknown[]) | null;
            /**
             * Format: uuid
             * @description The right match (an ambiguous match)
             */
            customerId?: string;
            /** @description None of the candidates: create a new customer (an ambiguous match) */
            createNew?: boolean;
            /**
             * Format: uuid
             * @description The candidates are duplicates of one customer (an ambiguous match): every other active candidate is merged into this one, and the incoming record linked to it
             */
            mergeInto?: string;
        };
        SyncReportBodyDto: {
            /** @enum {string} */
            kind: "incremental" | "initial_load";
            /** @example incremental:2026-01-02T03:04:00Z */
            id: string;
            /** @example customer-sync */
            service: string;
            /** Format: date-time */
            windowStart: string;
            /** Format: date-time */
            windowEnd: string;
            /** @description created, updated, unchanged, conflicts, failed, refused, echoes, stale */
            counts: {
                [key: string]: number;
            };
            /** @description An initial load: the file (or system API) it read */
            file?: string;
            /**
             * @description An initial load: the source system
             * @example erp
             */
            system?: string;
            /** @description An initial load: records read */
            records?: number;
            /** @description An initial load: records per second */
            recordsPerSecond?: number;
            /** @description An initial load: wall time */
            durationMs?: number;
        };
        SyncReportDto: {
            report: components["schemas"]["SyncReportBodyDto"];
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            sentAt: string | null;
            sendAttempts: number;
            lastError: string | null;
        };
        InitialLoadDto: {
            /** @example load-20260102T030405-1a2b3c4d */
            id: string;
            /**
             * @description The source system the file came from
             * @example erp
             */
            system: string;
            /**
             * @description The file name (no directory)
             * @example customers.ndjson
             */
            file: string;
            /** @enum {string} */
            status: "running" | "completed";
            /** @description Records committed so far */
            records: number;
            /** @description Bytes of the file committed so far (a pull: the last party id) */
            bytesRead: number;
            fileSize: number;
            /**
             * @description How far the load is, 0 to 1: bytes of the file, or parties of a pull
             * @example 0.42
             */
            progress: number;
            /** @description created, updated, unchanged, conflicts, failed, ... */
            counts: {
                [key: string]: number;
            };
            /** Format: date-time */
            startedAt: string;
            /**
             * Format: date-time
             * @description The last committed batch
             */
            updatedAt: string;
            /** Format: date-time */
            finishedAt: string | null;
        };
        FieldRuleDto: {
            /**
             * @description The system of record
             * @example crm
             */
            master: string;
            /** @description Other systems whose changes are accepted too */
            writers: string[];
            /** @description Systems that get the field's changes */
            receivers: string[];
            /** @enum {string} */
            strategy: "last_writer_wins" | "source_of_truth" | "manual_review" | "merge";
            /** @description Never cleared; a new record without it is refused */
            required: boolean;
            /** @description Two changes from different systems closer than this are a conflict */
            conflictWindowSeconds: number;
        };
        OwnershipDto: {
            /** @example 1 */
            version: string;
            /** @description The owner of an account that names none (the default-owner rule) */
            defaultAccountOwner: string;
            /** @description Per entity (account, contact), each field's rule by field name */
            entities: {
                [key: string]: {
                    [key: string]: components["schemas"]["FieldRuleDto"];
                };
            };
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    HealthController_live: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The Health Check is successful */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /**
                         * @example ok
                         * @enum {string}
                         */
                        status?: "ok" | "degraded";
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up",
                         *         "responseTime": 12
                         *       }
                         *     }
                         */
                        info?: {
                            [key: string]: {
                                /** @enum {string} */
                                status: "up" | "degraded" | "down";
                                /** @description Time the health indicator took to respond, in ms */
                                responseTime?: number;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /** @example {} */
                        error?: {
                            [key: string]: {
                                /** @enum {string} */
                                status: "up" | "degraded" | "down";
                                /** @description Time the health indicator took to respond, in ms */
                                responseTime?: number;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up",
                         *         "responseTime": 12
                         *       }
                         *     }
                         */
                        details?: {
                            [key: string]: {
                                /** @enum {string} */
                                status: "up" | "degraded" | "down";
                                /** @description Time the health indicator took to respond, in ms */
                                responseTime?: number;
                            } & {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
            };
            /** @description The Health Check is not successful */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /**
                         * @example error
                         * @enum {string}
                         */
                        status?: "error" | "shutting_down";
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up",
                         *         "responseTime": 12
                         *       }
                         *     }
                         */
                        info?: {
                            [key: string]: {
                                /** @enum {string} */
                                status: "up" | "degraded" | "down";
                                /** @description Time the health indicator took to respond, in ms */
                                responseTime?: number;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /**
                         * @example {
                         *       "redis": {
                         *         "status": "down",
                         *         "message": "Could not connect",
                         *         "responseTime": 3005
                         *       }
                         *     }
                         */
                        error?: {
                            [key: string]: {
                                /** @enum {string} */
                                status: "up" | "degraded" | "down";
                                /** @description Time the health indicator took to respond, in ms */
                                responseTime?: number;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up",
                         *         "responseTime": 12
                         *       },
                         *       "redis": {
                         *         "status": "down",
                         *         "message": "Could not connect",
                         *         "responseTime": 3005
                         *       }
                         *     }
                         */
                        details?: {
                            [key: string]: {
                                /** @enum {string} */
                                status: "up" | "degraded" | "down";
                                /** @description Time the health indicator took to respond, in ms */
                                responseTime?: number;
                            } & {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
            };
        };
    };
    HealthController_ready: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The Health Check is successful */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /**
                         * @example ok
                         * @enum {string}
                         */
                        status?: "ok" | "degraded";
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up",
                         *         "responseTime": 12
                         *       }
                         *     }
                         */
                        info?: {
                            [key: string]: {
                                /** @enum {string} */
                                status: "up" | "degraded" | "down";
                                /** @description Time the health indicator took to respond, in ms */
                                responseTime?: number;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /** @example {} */
                        error?: {
                            [key: string]: {
                                /** @enum {string} */
                                status: "up" | "degraded" | "down";
                                /** @description Time the health indicator took to respond, in ms */
                                responseTime?: number;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up",
                         *         "responseTime": 12
                         *       }
                         *     }
                         */
                        details?: {
                            [key: string]: {
                                /** @enum {string} */
                                status: "up" | "degraded" | "down";
                                /** @description Time the health indicator took to respond, in ms */
                                responseTime?: number;
                            } & {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
            };
            /** @description The Health Check is not successful */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /**
                         * @example error
                         * @enum {string}
                         */
                        status?: "error" | "shutting_down";
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up",
                         *         "responseTime": 12
                         *       }
                         *     }
                         */
                        info?: {
                            [key: string]: {
                                /** @enum {string} */
                                status: "up" | "degraded" | "down";
                                /** @description Time the health indicator took to respond, in ms */
                                responseTime?: number;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /**
                         * @example {
                         *       "redis": {
                         *         "status": "down",
                         *         "message": "Could not connect",
                         *         "responseTime": 3005
                         *       }
                         *     }
                         */
                        error?: {
                            [key: string]: {
                                /** @enum {string} */
                                status: "up" | "degraded" | "down";
                                /** @description Time the health indicator took to respond, in ms */
                                responseTime?: number;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up",
                         *         "responseTime": 12
                         *       },
                         *       "redis": {
                         *         "status": "down",
                         *         "message": "Could not connect",
                         *         "responseTime": 3005
                         *       }
                         *     }
                         */
                        details?: {
                            [key: string]: {
                                /** @enum {string} */
                                status: "up" | "degraded" | "down";
                                /** @description Time the health indicator took to respond, in ms */
                                responseTime?: number;
                            } & {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
            };
        };
    };
    MetricsController_scrape: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    CustomersController_export: {
        parameters: {
            query: {
                /** @description A source system */
                system: string;
                /** @description 1 to 200 (default 100) */
                limit?: unknown;
                /** @description The `next` of the previous page */
                after?: unknown;
                entity?: "account" | "contact";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExportPageDto"];
                };
            };
            /** @description An unknown system or entity, or a limit out of range */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No `Authorization: Bearer <token>` header, or an unknown token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The token lacks the role this route needs (see the description) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    CustomersController_byRef: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                system: string;
                entity: string;
                externalId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CustomerDto"];
                };
            };
            /** @description No `Authorization: Bearer <token>` header, or an unknown token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The token lacks the role this route needs (see the description) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No customer has this reference */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    CustomersController_one: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CustomerDto"];
                };
            };
            /** @description No `Authorization: Bearer <token>` header, or an unknown token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The token lacks the role this route needs (see the description) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No such customer */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    CustomersController_audit: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditEntryDto"][];
                };
            };
            /** @description No `Authorization: Bearer <token>` header, or an unknown token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The token lacks the role this route needs (see the description) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    CustomersController_refused: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RefusedChangeDto"][];
                };
            };
            /** @description No `Authorization: Bearer <token>` header, or an unknown token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The token lacks the role this route needs (see the description) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    CustomersController_summary: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RefusedSummaryDto"][];
                };
            };
            /** @description No `Authorization: Bearer <token>` header, or an unknown token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The token lacks the role this route needs (see the description) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    ReviewController_list: {
        parameters: {
            query?: {
                kind?: "conflict" | "ambiguous_match";
                status?: "open" | "resolved";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReviewItemDto"][];
                };
            };
            /** @description No `Authorization: Bearer <token>` header, or an unknown token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The token lacks the role this route needs (see the description) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    ReviewController_one: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReviewItemDto"];
                };
            };
            /** @description No `Authorization: Bearer <token>` header, or an unknown token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The token lacks the role this route needs (see the description) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No such review item */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    ReviewController_resolve: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ResolveReviewDto"];
            };
        };
        responses: {
            /** @description The resolved item */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReviewItemDto"];
                };
            };
            /** @description The body does not fit the item (or fails validation) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No `Authorization: Bearer <token>` header, or an unknown token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The token lacks the role this route needs (see the description) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No such review item */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The item is already resolved */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    SyncReportsController_list: {
        parameters: {
            query?: {
                kind?: "incremental" | "initial_load";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SyncReportDto"][];
                };
            };
            /** @description No `Authorization: Bearer <token>` header, or an unknown token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The token lacks the role this route needs (see the description) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    InitialLoadsController_list: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InitialLoadDto"][];
                };
            };
            /** @description No `Authorization: Bearer <token>` header, or an unknown token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The token lacks the role this route needs (see the description) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    OwnershipController_current: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OwnershipDto"];
                };
            };
            /** @description No `Authorization: Bearer <token>` header, or an unknown token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The token lacks the role this route needs (see the description) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
}
