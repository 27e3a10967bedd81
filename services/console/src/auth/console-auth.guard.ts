import {
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
  applyDecorators,
  createParamDecorator,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';

import { ConsoleError, ConsoleErrorCode } from '../console.errors';
import { ConsoleAuthService } from './console-auth.service';
import { can, type Permission } from './roles';
import type { ConsoleUser } from './session';

const PERMISSION = 'console:permission';

/** Where a script sends the CSRF token (a form sends it as `_csrf`). */
export const CSRF_HEADER = 'x-csrf-token';

export type ConsoleRequest = Request & { user?: ConsoleUser };

/** Signed in, `permission` granted by a role, and for a state-changing request the CSRF token. */
export const Requires = (permission: Permission | 'signed-in') =>
  applyDecorators(SetMetadata(PERMISSION, permission), UseGuards(ConsoleAuthGuard));

/** The signed-in user of a route behind `Requires`. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): ConsoleUser => {
  const user = context.switchToHttp().getRequest<ConsoleRequest>().user;
  if (!user) throw new ConsoleError(ConsoleErrorCode.Unauthenticated, 'Sign in first');
  return user;
});

@Injectable()
export class ConsoleAuthGuard implements CanActivate {
  constructor(
    @Inject(ConsoleAuthService) private readonly auth: ConsoleAuthService,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<ConsoleRequest>();
    const user = this.auth.identify(request);
    if (!user) throw new ConsoleError(ConsoleErrorCode.Unauthenticated, 'Sign in first');
    request.user = user;
    if (!['GET', 'HEAD'].includes(request.method)) {
      const body = request.body as Record<string, unknown> | undefined;
      const token = body?._csrf ?? request.headers[CSRF_HEADER];
      if (!this.auth.csrfMatches(user, token)) {
        throw new ConsoleError(
          ConsoleErrorCode.CsrfMismatch,
          'The form is stale or not from this console; reload the page',
        );
      }
    }
    const permission = this.reflector.getAllAndOverride<Permission | 'signed-in' | undefined>(PERMISSION, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (permission && permission !== 'signed-in' && !can(user.roles, permission)) {
      throw new ConsoleError(
        ConsoleErrorCode.Forbidden,
        `This needs the permission ${permission}; ${user.name} has the roles ${user.roles.join(', ') || 'none'}`,
      );
    }
    return true;
  }
}
