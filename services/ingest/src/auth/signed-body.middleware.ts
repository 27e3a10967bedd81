import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NextFunction, Response } from 'express';

import { IngestError, IngestErrorCode } from '../events/ingest.errors';
import { SlidingWindowLimit } from './sliding-window-limit';
import { SourceAuthGuard, type AuthenticatedRequest } from './source-auth.guard';

/** The largest body ingest reads. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The order in which a request to POST /v1/events costs ingest anything: read at most 1 MB of raw
 * bytes, check the HMAC signature over them, count the request against its source's rate limit,
 * and only then parse the JSON. An unsigned or over-limit megabyte is never parsed.
 */
@Injectable()
export class SignedBodyMiddleware implements NestMiddleware {
  private readonly windowMs: number;
  private readonly limit: number;
  private readonly perSource: SlidingWindowLimit;

  constructor(
    @Inject(SourceAuthGuard) private readonly auth: SourceAuthGuard,
    @Inject(ConfigService) config: ConfigService,
  ) {
    this.windowMs = config.getOrThrow<number>('RATE_LIMIT_WINDOW_SECONDS') * 1000;
    this.limit = config.getOrThrow<number>('RATE_LIMIT_MAX_REQUESTS');
    this.perSource = new SlidingWindowLimit(this.windowMs, this.limit);
  }

  async use(request: AuthenticatedRequest, response: Response, next: NextFunction): Promise<void> {
    const rawBody = await readBody(request);
    request.rawBody = rawBody;
    const source = this.auth.authenticate(request);
    const counted = this.perSource.take(source);
    if (!counted.accepted) {
      const seconds = counted.retryAfterSeconds;
      response.setHeader('Retry-After', String(seconds));
      throw new IngestError(
        IngestErrorCode.RateLimited,
        `Source "${source}" sent more than ${this.limit} requests in ${this.windowMs / 1000} s; retry after ${seconds} s`,
      );
    }
    request.source = source;
    try {
      request.body = rawBody.length === 0 ? undefined : (JSON.parse(rawBody.toString('utf8')) as unknown);
    } catch {
      throw new IngestError(IngestErrorCode.MalformedJson, 'The body is not valid JSON');
    }
    next();
  }
}

/** The raw body, refused (413) past MAX_BODY_BYTES without reading the rest. */
async function readBody(request: AuthenticatedRequest): Promise<Buffer> {
  const declared = Number(request.header('content-length') ?? Number.NaN);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function tooLarge(): IngestError {
  return new IngestError(IngestErrorCode.PayloadTooLarge, 'The body exceeds the 1 MB limit');
}
