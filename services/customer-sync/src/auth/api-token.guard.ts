import { createHash, timingSafeEqual } from 'node:crypto';

import {
  ForbiddenException,
  Inject,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';

export const ROLES = ['viewer', 'data-steward'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiCaller {
  name: string;
  roles: Role[];
}

const REQUIRED_ROLE = 'customer-sync:required-role';

/** The role a route needs; routes without it need any valid token. */
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

interface TokenEntry {
  digest: Buffer;
  caller: ApiCaller;
}

/** `<name>:<role>[+<role>]:<token>,...` -> entries compared by SHA-256 digest in constant time. */
export function parseApiTokens(spec: string): TokenEntry[] {
  return spec
    .split(',')
    .filter(Boolean)
    .map((entry) => {
      const [name, roles, token] = entry.split(':');
      const known = roles
        .split('+')
        .filter((role): role is Role => (ROLES as readonly string[]).includes(role));
      return { digest: createHash('sha256').update(token).digest(), caller: { name, roles: known } };
    });
}

/**
 * Bearer API tokens with roles: no or an unknown token is 401, a token without the route's role is
 * 403. A data steward may do everything a viewer may.
 */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  private readonly tokens: TokenEntry[];

  constructor(
    @Inject(ConfigService) config: ConfigService,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {
    this.tokens = parseApiTokens(config.getOrThrow<string>('CUSTOMER_SYNC_API_TOKENS'));
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request & { caller?: ApiCaller }>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new UnauthorizedException('Send an API token: Authorization: Bearer <token>');
    const digest = createHash('sha256').update(match[1]).digest();
    const entry = this.tokens.find((candidate) => timingSafeEqual(candidate.digest, digest));
    if (!entry) throw new UnauthorizedException('Unknown API token');
    const required = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [
      context.getHandler(),
      context.getClass(),
    ]);
    const roles = entry.caller.roles;
    const allowed =
      !required || roles.includes(required) || (required === 'viewer' && roles.includes('data-steward'));
    if (!allowed || roles.length === 0) {
      throw new ForbiddenException(
        `This needs the ${required ?? 'viewer'} role; ${entry.caller.name} has ${roles.join(', ') || 'none'}`,
      );
    }
    request.caller = entry.caller;
    return true;
  }
}
