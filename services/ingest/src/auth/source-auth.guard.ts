import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';

import type { SourceSystem } from '@switchboard/contracts';

import { IngestError, IngestErrorCode } from '../events/ingest.errors';
import { parseSourceSecrets, signedByAny } from './source-credentials';

export const SOURCE_HEADER = 'x-switchboard-source';
export const TIMESTAMP_HEADER = 'x-switchboard-timestamp';
export const SIGNATURE_HEADER = 'x-switchboard-signature';

export type AuthenticatedRequest = Request & { rawBody?: Buffer; source?: SourceSystem };

/**
 * Authenticates the calling system: an HMAC over the timestamp and the exact bytes of the body,
 * with that source's secret. A timestamp outside the allowed skew is refused, so a captured request
 * cannot be replayed later.
 */
@Injectable()
export class SourceAuthGuard implements CanActivate {
  private readonly secrets: Map<SourceSystem, Buffer[]>;
  private readonly maxSkewSeconds: number;

  constructor(config: ConfigService) {
    this.secrets = parseSourceSecrets(config.getOrThrow<string>('INGEST_SOURCE_SECRETS'));
    this.maxSkewSeconds = config.getOrThrow<number>('INGEST_MAX_CLOCK_SKEW_SECONDS');
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.source = this.authenticate(request);
    return true;
  }

  /** The source whose secret signed these exact bytes; an IngestError (401) otherwise. */
  authenticate(request: Pick<AuthenticatedRequest, 'header' | 'rawBody'>): SourceSystem {
    const source = request.header(SOURCE_HEADER) ?? '';
    const timestamp = request.header(TIMESTAMP_HEADER) ?? '';
    const given = request.header(SIGNATURE_HEADER) ?? '';
    const secret = this.secrets.get(source as SourceSystem);
    if (!secret || !given || !/^\d{9,11}$/.test(timestamp)) {
      throw new IngestError(
        IngestErrorCode.Unauthenticated,
        `Missing or unknown credentials: send ${SOURCE_HEADER}, ${TIMESTAMP_HEADER} (unix seconds) and ${SIGNATURE_HEADER}`,
      );
    }
    const skew = Math.abs(Date.now() / 1000 - Number(timestamp));
    if (skew > this.maxSkewSeconds) {
      throw new IngestError(
        IngestErrorCode.StaleTimestamp,
        `The timestamp is ${Math.round(skew)} s away from the server clock (at most ${this.maxSkewSeconds} s allowed)`,
      );
    }
    if (!signedByAny(secret, timestamp, request.rawBody ?? Buffer.alloc(0), given)) {
      throw new IngestError(IngestErrorCode.Unauthenticated, 'The signature does not match the body');
    }
    return source as SourceSystem;
  }
}
