import { HttpStatus } from '@nestjs/common';

import type { FieldError } from '@switchboard/contracts';

export enum IngestErrorCode {
  MalformedJson = 'malformed_json',
  ValidationFailed = 'validation_failed',
  PayloadTooLarge = 'payload_too_large',
  Unauthenticated = 'unauthenticated',
  StaleTimestamp = 'stale_timestamp',
  Forbidden = 'forbidden',
  /** The payload speaks for another system than the one that signed the request. */
  SystemMismatch = 'system_mismatch',
  /** A source timestamp later than now plus the allowed clock skew. */
  FutureTimestamp = 'future_timestamp',
  IdReused = 'id_reused',
  /** The source sent more requests than its rate limit allows; Retry-After says when to resume. */
  RateLimited = 'rate_limited',
}

const STATUS: Record<IngestErrorCode, HttpStatus> = {
  [IngestErrorCode.MalformedJson]: HttpStatus.BAD_REQUEST,
  [IngestErrorCode.ValidationFailed]: HttpStatus.BAD_REQUEST,
  [IngestErrorCode.PayloadTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [IngestErrorCode.Unauthenticated]: HttpStatus.UNAUTHORIZED,
  [IngestErrorCode.StaleTimestamp]: HttpStatus.UNAUTHORIZED,
  [IngestErrorCode.Forbidden]: HttpStatus.FORBIDDEN,
  [IngestErrorCode.SystemMismatch]: HttpStatus.FORBIDDEN,
  [IngestErrorCode.FutureTimestamp]: HttpStatus.BAD_REQUEST,
  [IngestErrorCode.IdReused]: HttpStatus.CONFLICT,
  [IngestErrorCode.RateLimited]: HttpStatus.TOO_MANY_REQUESTS,
};

/** The one error type of the ingest API; its code decides the HTTP status (see IngestErrorFilter). */
export class IngestError extends Error {
  constructor(
    readonly code: IngestErrorCode,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }

  get status(): HttpStatus {
    return STATUS[this.code];
  }
}
