import { Catch, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { throwError, type Observable } from 'rxjs';

/**
 * Nest's default RPC filter turns any error into a generic "Internal server error" object; the
 * inbox transport needs the original error to tell a rejected event from a transient failure.
 * Registered globally (before the microservice is connected, which inherits it), so HTTP errors
 * are handed to Nest's default HTTP handling unchanged.
 */
@Catch()
export class RethrowRpcErrorsFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() === 'rpc') return throwError(() => exception);
    super.catch(exception, host);
  }
}
