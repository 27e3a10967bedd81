import { HttpStatus } from '@nestjs/common';

import type { FieldError } from '@switchboard/contracts';

export enum IngestErrorCode {
  MalformedJson = 'malformed_json',
  ValidationFailed = 'validation_failed',
  PayloadTooLarge = 'payload_too_large',
  Unauthenticated = 'unauthenticated',
  StaleTimestamp = 'stale_timestamp',
  Forbidden = 'forbidden',
  IdReused = 'id_reused',
}

const STATUS: Record<IngestErrorCode, HttpStatus> = {
  [IngestErrorCode.MalformedJson]: HttpStatus.BAD_REQUEST,
  [IngestErrorCode.ValidationFailed]: HttpStatus.BAD_REQUEST,
  [IngestErrorCode.PayloadTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [IngestErrorCode.Unauthenticated]: HttpStatus.UNAUTHORIZED,
  [IngestErrorCode.StaleTimestamp]: HttpStatus.UNAUTHORIZED,
  [IngestErrorCode.Forbidden]: HttpStatus.FORBIDDEN,
  [IngestErrorCode.IdReused]: HttpStatus.CONFLICT,
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
