import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Post,
  Query,
  Req,
  Res,
  ValidationPipe,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { Request, Response } from 'express';

import { ConsoleAuditService } from '../audit/console-audit.service';
import { html } from '../views/html';
import { Pages } from '../views/pages';
import { ConsoleAuthService } from './console-auth.service';
import { SignInLimiter, lockedMessage, signInKeys } from './sign-in-limiter';
import { CurrentUser, Requires } from './console-auth.guard';
import type { ConsoleUser } from './session';

export class SignInDto {
  @IsString()
  @MaxLength(200)
  name!: string;

  @IsString()
  @MaxLength(1_000)
  password!: string;

  @IsOptional()
  @IsString()
  next?: string;
}

/** Only a path of this console: `next` never sends the browser elsewhere after signing in. */
export function safeNext(next: string | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

@ApiExcludeController()
@Controller()
export class AuthController {
  constructor(
    @Inject(ConsoleAuthService) private readonly auth: ConsoleAuthService,
    @Inject(ConsoleAuditService) private readonly audit: ConsoleAuditService,
    @Inject(Pages) private readonly pages: Pages,
    @Inject(SignInLimiter) private readonly limiter: SignInLimiter,
  ) {}

  @Get('login')
  signInPage(@Req() request: Request, @Res() response: Response, @Query('next') next?: string): void {
    if (this.auth.identify(request)) return response.redirect(303, safeNext(next));
    response.type('html').send(this.signInForm(next, null));
  }

  @Post('login')
  @HttpCode(200)
  async signIn(
    @Body(new ValidationPipe({ whitelist: true })) body: SignInDto,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    // The socket's address: behind a load balancer that is the balancer's, unless Express is told to trust it.
    const keys = signInKeys(request.ip, body.name);
    const locked = this.limiter.locked(keys);
    if (locked) {
      // Which limit, never the address itself (personal data).
      await this.audit.record({
        actor: body.name.slice(0, 100),
        action: 'sign-in-throttled',
        outcome: 'refused',
        detail: { limitedBy: locked.key.kind },
      });
      response
        .status(429)
        .setHeader('Retry-After', String(locked.retryAfterSeconds))
        .type('html')
        .send(this.signInForm(body.next, lockedMessage(locked.key, locked.retryAfterSeconds)));
      return;
    }
    const attempt = this.limiter.recordFailure(keys);
    const account = await this.auth.authenticate(body.name, body.password);
    if (!account) {
      await this.audit.record({
        actor: body.name.slice(0, 100),
        action: 'sign-in-refused',
        outcome: 'refused',
      });
      response.status(401).type('html').send(this.signInForm(body.next, 'Unknown name or wrong password.'));
      return;
    }
    this.limiter.forgive(keys, attempt);
    await this.audit.record({ actor: account.name, action: 'sign-in', outcome: 'ok' });
    this.auth.startSession(response, account);
    response.redirect(303, safeNext(body.next));
  }

  @Post('logout')
  @Requires('signed-in')
  async signOut(@CurrentUser() user: ConsoleUser, @Res() response: Response): Promise<void> {
    await this.audit.record({ actor: user.name, action: 'sign-out', outcome: 'ok' });
    this.auth.endSession(response);
    response.redirect(303, '/login');
  }

  private signInForm(next: string | undefined, error: string | null): string {
    return this.pages.render(
      null,
      'Sign in',
      () =>
        html` ${error ? html`<p class="notice error" role="alert">${error}</p>` : ''}
          ${
            this.auth.proxyMode
              ? html`<p>
                  This console signs you in through your organisation's sign-in page; local accounts are for
                  the local stack.
                </p>`
              : ''
          }
          <form method="post" action="/login">
            <input type="hidden" name="next" value="${safeNext(next)}" />
            <label for="name">Name</label>
            <input id="name" name="name" autocomplete="username" required />
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required />
            <button type="submit">Sign in</button>
          </form>`,
    );
  }
}
