import { createHash, timingSafeEqual } from 'node:crypto';

import {
  ForbiddenException,
  Inject,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  UseGuards,
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';

import { ApiRole } from '../openapi/api-role.decorator';
import type { NamedSecret } from './secrets';
import { TokenThrottlerGuard } from './rate-limit';

/**
 * `viewer` reads (customers, audit, review queue, the consumers' records); `data-steward` also
 * resolves reviews; `exporter` may bulk-export customers (its own role: an export is many
 * customers at once, by guessable ids); `delegate` is a backend acting for the people signed in to
 * it (the console): it names the person in ACTING_USER_HEADER, who becomes the actor.
 */
export const ROLES = ['viewer', 'data-steward', 'exporter', 'delegate'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiCaller {
  name: string;
  roles: Role[];
}

/** The person a `delegate` token acts for (the console's signed-in user). */
export const ACTING_USER_HEADER = 'x-switchboard-acting-user';

/**
 * The caller a request acts as: the token's own, or, for a `delegate` token naming a person,
 * `<person> via <token name>` with the token's roles (an audit row then says who decided, and
 * through what). Naming a person without the delegate role is refused: any token could otherwise
 * put words in someone's mouth.
 */
export function actingCaller(caller: ApiCaller, actingUser: string | string[] | undefined): ApiCaller {
  if (actingUser === undefined) return caller;
  if (!caller.roles.includes('delegate')) {
    throw new ForbiddenException(`${caller.name} may not act for another user (it lacks the delegate role)`);
  }
  if (typeof actingUser !== 'string' || !/^[\w.@-]{1,200}$/.test(actingUser)) {
    throw new ForbiddenException(`${ACTING_USER_HEADER} must be a user name`);
  }
  return { name: `${actingUser} via ${caller.name}`, roles: caller.roles };
}

/** The parsed API tokens of the service (see PlatformModule: the variable its definition names). */
export const API_TOKENS = Symbol('API_TOKENS');

const REQUIRED_ROLE = 'switchboard:required-role';

/** The role a route needs (also stated in its OpenAPI operation); routes without it need any valid token. */
export const RequireRole = (role: Role) => applyDecorators(SetMetadata(REQUIRED_ROLE, role), ApiRole(role));

/**
 * A read API: a token with `role` (401 without or with an unknown token, 403 without the role),
 * then the per-token rate limit (429 with Retry-After). Health and metrics stay open.
 */
export const ProtectedApi = (role: Role) =>
  applyDecorators(UseGuards(ApiTokenGuard, TokenThrottlerGuard), RequireRole(role));

export interface TokenEntry {
  digest: Buffer;
  caller: ApiCaller;
}

/** `name:roles:token` entries as named secrets, for the boot checks (length, sharing, dev tokens). */
export function apiTokenSecrets(spec: string): NamedSecret[] {
  return spec
    .split(',')
    .filter(Boolean)
    .map((entry) => {
      const [name, , token] = entry.split(':');
      return { owner: `token ${name}`, value: token ?? '' };
    });
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
 * Bearer API tokens with roles, one guard for every service's API: no or an unknown token is 401, a
 * token without the route's role is 403. A data steward may do everything a viewer may. Every
 * answer behind it carries personal data, so it is marked `Cache-Control: no-store`.
 */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(
    @Inject(API_TOKENS) private readonly tokens: TokenEntry[],
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<Request & { caller?: ApiCaller }>();
    http.getResponse<Response | undefined>()?.setHeader?.('Cache-Control', 'no-store');
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new UnauthorizedException('Send an API token: Authorization: Bearer <token>');
    const digest = createHash('sha256').update(match[1]).digest();
    let entry: TokenEntry | undefined;
    // Every token is compared: the time does not tell which one (or whether any) matched.
    for (const candidate of this.tokens) if (timingSafeEqual(candidate.digest, digest)) entry ??= candidate;
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
    request.caller = actingCaller(entry.caller, request.headers[ACTING_USER_HEADER]);
    return true;
  }
}
