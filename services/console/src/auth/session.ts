import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

import { isConsoleRole, type ConsoleRole } from './roles';

/** Who is signed in: the name every audit row carries, and the roles every route checks. */
export interface ConsoleUser {
  name: string;
  roles: ConsoleRole[];
  /** Binds the CSRF token to this sign-in (a new one per session). */
  sessionId: string;
}

interface SessionPayload {
  n: string;
  r: ConsoleRole[];
  s: string;
  /** Expiry, epoch milliseconds. */
  e: number;
}

function mac(secret: string, purpose: string, value: string): Buffer {
  return createHmac('sha256', secret).update(`${purpose}\n${value}`).digest();
}

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The session cookie's value: the user, roles and expiry, signed (HMAC-SHA256). Stateless on
 * purpose: any replica checks it, and a restart signs no one out. It is not encrypted; it holds
 * nothing secret.
 */
export function signSession(
  secret: string,
  user: Omit<ConsoleUser, 'sessionId'>,
  ttlMs: number,
  now = Date.now(),
): string {
  const payload: SessionPayload = {
    n: user.name,
    r: user.roles,
    s: randomBytes(12).toString('base64url'),
    e: now + ttlMs,
  };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(secret, 'session', body).toString('base64url')}`;
}

/** The user of a cookie value, or null when it is forged, altered or expired. */
export function verifySession(secret: string, value: string, now = Date.now()): ConsoleUser | null {
  const [body, signature] = value.split('.');
  if (!body || !signature) return null;
  if (!equal(mac(secret, 'session', body), Buffer.from(signature, 'base64url'))) return null;
  let payload: SessionPayload;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as SessionPayload;
  } catch {
    return null;
  }
  if (typeof payload.e !== 'number' || payload.e <= now) return null;
  if (!Array.isArray(payload.r) || !payload.r.every((role) => isConsoleRole(role))) return null;
  return { name: payload.n, roles: payload.r, sessionId: payload.s };
}

/**
 * The CSRF token of a session (synchroniser token without server state): every form carries it and
 * every state-changing request must send it back; a page of another origin cannot read it.
 */
export function csrfToken(secret: string, user: ConsoleUser): string {
  return mac(secret, 'csrf', `${user.name}\n${user.sessionId}`).toString('base64url');
}

export function csrfMatches(secret: string, user: ConsoleUser, token: unknown): boolean {
  return (
    typeof token === 'string' &&
    equal(Buffer.from(csrfToken(secret, user), 'utf8'), Buffer.from(token, 'utf8'))
  );
}

/** `name=value` pairs of a Cookie header (no dependency for one header). */
export function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name)
      return decodeURIComponent(part.slice(index + 1).trim());
  }
  return null;
}
