import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';

/** The security scheme of the read APIs' bearer tokens (see ApiTokenGuard). */
export const API_TOKEN_SCHEME = 'api-token';

/** Where a route's role is kept in the document until describeRoles turns it into prose. */
export const REQUIRED_ROLE_EXTENSION = 'x-required-role';

/**
 * The OpenAPI side of RequireRole: the bearer scheme, the 401 and 403 answers and the role. On a
 * class it marks every route; a method's own role wins (its decorator runs first, and a class-level
 * extension never overwrites a method's).
 */
export const ApiRole = (role: string) =>
  applyDecorators(
    ApiExtension(REQUIRED_ROLE_EXTENSION, role),
    ApiBearerAuth(API_TOKEN_SCHEME),
    ApiUnauthorizedResponse({
      description: 'No `Authorization: Bearer <token>` header, or an unknown token',
    }),
    ApiForbiddenResponse({ description: 'The token lacks the role this route needs (see the description)' }),
  );
