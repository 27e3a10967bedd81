import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';

import { parseAccounts, verifyPassword, type ConsoleAccount } from './accounts';
import { proxyIdentity, type ProxySettings } from './proxy-identity';
import { csrfMatches, csrfToken, readCookie, signSession, verifySession, type ConsoleUser } from './session';

export const SESSION_COOKIE = 'sb_console';

/** Who a request comes from (OIDC proxy headers or the session cookie), sign-in and sign-out. */
@Injectable()
export class ConsoleAuthService {
  private readonly accounts: ConsoleAccount[];
  private readonly secret: string;
  private readonly ttlMs: number;
  private readonly secure: boolean;
  private readonly proxy: ProxySettings;
  // A sign-in with an unknown name still costs a hash check: the time does not tell which names exist.
  private readonly decoy: string;

  constructor(@Inject(ConfigService) config: ConfigService) {
    this.accounts = parseAccounts(config.get<string>('CONSOLE_USERS') ?? '');
    this.secret = config.getOrThrow<string>('CONSOLE_SESSION_SECRET');
    this.ttlMs = config.getOrThrow<number>('CONSOLE_SESSION_MINUTES') * 60_000;
    this.secure = config.getOrThrow<boolean>('CONSOLE_SECURE_COOKIE');
    this.proxy = {
      enabled: config.getOrThrow<boolean>('CONSOLE_PROXY_AUTH'),
      trustedAddresses: config.getOrThrow<string>('CONSOLE_PROXY_ADDRESSES').split(',').filter(Boolean),
      userHeader: config.getOrThrow<string>('CONSOLE_PROXY_USER_HEADER'),
      groupsHeader: config.getOrThrow<string>('CONSOLE_PROXY_GROUPS_HEADER'),
    };
    this.decoy = this.accounts[0]?.passwordHash ?? '';
  }

  get proxyMode(): boolean {
    return this.proxy.enabled;
  }

  /** The user of a request, or null (then pages send the browser to sign in). */
  identify(request: Request): ConsoleUser | null {
    const vouched = proxyIdentity(this.proxy, request.socket.remoteAddress, request.headers);
    // Behind the proxy the identity is per request; the CSRF token is bound to the user's name.
    if (vouched) return { ...vouched, sessionId: `proxy:${vouched.name}` };
    const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
    return cookie ? verifySession(this.secret, cookie) : null;
  }

  /** The account whose password this is, or null. */
  async authenticate(name: string, password: string): Promise<ConsoleAccount | null> {
    const account = this.accounts.find((candidate) => candidate.name === name);
    const matches = await verifyPassword(password, account?.passwordHash ?? this.decoy);
    return account && matches ? account : null;
  }

  startSession(response: Response, account: ConsoleAccount): void {
    response.cookie(SESSION_COOKIE, signSession(this.secret, account, this.ttlMs), {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secure,
      path: '/',
      maxAge: this.ttlMs,
    });
  }

  endSession(response: Response): void {
    response.clearCookie(SESSION_COOKIE, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secure,
      path: '/',
    });
  }

  csrfToken(user: ConsoleUser): string {
    return csrfToken(this.secret, user);
  }

  csrfMatches(user: ConsoleUser, token: unknown): boolean {
    return csrfMatches(this.secret, user, token);
  }
}
