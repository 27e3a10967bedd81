import { applyDecorators } from '@nestjs/common';
import {
  ApiForbiddenResponse,
  ApiOperation,
  ApiSecurity,
  ApiUnauthorizedResponse,
  type SecuritySchemeObject,
} from '@nestjs/swagger';

import { ConsoleErrorBodyDto } from '../console-error.dto';
import { CSRF_HEADER } from './console-auth.guard';
import { SESSION_COOKIE } from './console-auth.service';
import { DEFAULT_PROXY_GROUPS_HEADER, DEFAULT_PROXY_USER_HEADER } from './proxy-identity';
import { rolesGranting, type Permission } from './roles';

const SESSION_SCHEME = 'console-session';
const CSRF_SCHEME = 'csrf-token';
const PROXY_SCHEME = 'oidc-proxy';

/** How ConsoleAuthGuard knows the caller, as OpenAPI security schemes (the console has no bearer tokens). */
export const CONSOLE_AUTH_SCHEMES: Record<string, SecuritySchemeObject> = {
  [SESSION_SCHEME]: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description:
      'The signed session cookie that `POST /login` sets (a local account of CONSOLE_USERS): HttpOnly, SameSite=Strict',
  },
  [CSRF_SCHEME]: {
    type: 'apiKey',
    in: 'header',
    name: CSRF_HEADER,
    description:
      "The session's CSRF token (the `_csrf` field of every console form), on every request that changes state",
  },
  [PROXY_SCHEME]: {
    type: 'apiKey',
    in: 'header',
    name: DEFAULT_PROXY_USER_HEADER,
    description: `With CONSOLE_PROXY_AUTH: the user an OIDC proxy vouches for (roles in \`${DEFAULT_PROXY_GROUPS_HEADER}\`; both names are settings), honoured only from CONSOLE_PROXY_ADDRESSES`,
  },
};

/**
 * The OpenAPI side of `Requires` on a JSON route: the session cookie or the proxy's identity, plus
 * the CSRF header when the route changes state; the roles that hold the permission; 401 and 403.
 */
export const ApiConsoleAuth = (
  permission: Permission,
  options: { summary: string; changesState?: boolean },
) => {
  const csrf: Record<string, string[]> = options.changesState ? { [CSRF_SCHEME]: [] } : {};
  const roles = rolesGranting(permission)
    .map((role) => `\`${role}\``)
    .join(', ');
  return applyDecorators(
    ApiOperation({
      summary: options.summary,
      description: `Needs the \`${permission}\` permission (roles: ${roles}).`,
    }),
    // Alternatives: a session, or the proxy's identity; each with the CSRF token when it changes state.
    ApiSecurity({ [SESSION_SCHEME]: [], ...csrf }),
    ApiSecurity({ [PROXY_SCHEME]: [], ...csrf }),
    ApiUnauthorizedResponse({ type: ConsoleErrorBodyDto, description: 'No session (or an expired one)' }),
    ApiForbiddenResponse({
      type: ConsoleErrorBodyDto,
      description: options.changesState
        ? "None of the user's roles holds the permission, or the CSRF token is missing or wrong"
        : "None of the user's roles holds the permission",
    }),
  );
};
