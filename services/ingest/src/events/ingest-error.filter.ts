import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

import { IngestError, IngestErrorCode } from './ingest.errors';

/**
 * Every refusal has the same shape: `{ "error": { "code", "message", "fields": [{ "field", "message" }] } }`.
 * Body-parser failures (bad JSON, too large) arrive as HttpExceptions and are mapped to codes too.
 */
@Catch(IngestError, HttpException)
export class IngestErrorFilter implements ExceptionFilter {
  catch(exception: IngestError | HttpException, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const error = exception instanceof IngestError ? exception : fromHttpException(exception);
    response.status(error.status).json({
      error: { code: error.code, message: error.message, fields: error.fields },
    });
  }
}

function fromHttpException(
  exception: HttpException,
): IngestError | { status: number; code: string; message: string; fields: [] } {
  const status = exception.getStatus();
  if (status === 413)
    return new IngestError(IngestErrorCode.PayloadTooLarge, 'The body exceeds the 1 MB limit');
  if (status === 400) return new IngestError(IngestErrorCode.MalformedJson, 'The body is not valid JSON');
  return { status, code: `http_${status}`, message: exception.message, fields: [] };
}
