import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request } from 'express';

/**
 * The per-token rate limit of the read APIs (`RATE_LIMIT_MAX_REQUESTS` per
 * `RATE_LIMIT_WINDOW_SECONDS`), counted per authenticated caller, so one leaked or runaway token
 * cannot read the store out at line rate; past it: 429 with `Retry-After`. Runs after ApiTokenGuard.
 */
@Injectable()
export class TokenThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(request: Request & { caller?: { name: string } }): Promise<string> {
    return Promise.resolve(request.caller ? `token:${request.caller.name}` : `ip:${request.ip ?? ''}`);
  }
}
