import { HttpStatus } from '@nestjs/common';

export enum ConsoleErrorCode {
  /** No session (or an expired one): pages send the browser to the sign-in. */
  Unauthenticated = 'unauthenticated',
  /** Signed in, without the role the page or action needs. */
  Forbidden = 'forbidden',
  /** A state-changing request without the session's CSRF token. */
  CsrfMismatch = 'csrf_mismatch',
  NotFound = 'not_found',
  /** The request is wrong (a missing choice, say); the upstream service said why. */
  Invalid = 'invalid',
  /** Already done by someone else (a resolved review item). */
  Conflict = 'conflict',
  /** A service behind the console failed or did not answer in time. */
  Upstream = 'upstream',
}

const STATUS: Record<ConsoleErrorCode, HttpStatus> = {
  [ConsoleErrorCode.Unauthenticated]: HttpStatus.UNAUTHORIZED,
  [ConsoleErrorCode.Forbidden]: HttpStatus.FORBIDDEN,
  [ConsoleErrorCode.CsrfMismatch]: HttpStatus.FORBIDDEN,
  [ConsoleErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [ConsoleErrorCode.Invalid]: HttpStatus.BAD_REQUEST,
  [ConsoleErrorCode.Conflict]: HttpStatus.CONFLICT,
  [ConsoleErrorCode.Upstream]: HttpStatus.BAD_GATEWAY,
};

/** The one error type of the console; its code decides the status (ConsoleErrorFilter renders it). */
export class ConsoleError extends Error {
  constructor(
    readonly code: ConsoleErrorCode,
    message: string,
  ) {
    super(message);
  }

  get status(): HttpStatus {
    return STATUS[this.code];
  }
}
