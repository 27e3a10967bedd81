import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

import { isConsoleRole, type ConsoleRole } from './roles';

// N = 2^15: about 50 ms per check on one core, OWASP's minimum for scrypt (N=2^15, r=8, p=1)
// is met while a sign-in stays quick. The parameters travel in the hash, so they can be raised.
const PARAMS = { N: 32_768, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password, salt, keyLength, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** `scrypt.N.r.p.<salt base64url>.<key base64url>`: no `:`, `,` or `$`, so it fits CONSOLE_USERS and shell env files. */
export async function hashPassword(password: string, salt = randomBytes(16)): Promise<string> {
  const key = await scrypt(password, salt, KEY_LENGTH, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join(
    '.',
  );
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = hash.split('.');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return timingSafeEqual(actual, expected);
}

export interface ConsoleAccount {
  name: string;
  roles: ConsoleRole[];
  passwordHash: string;
}

export const ACCOUNT_PATTERN = /^[\w.@-]+:[\w+-]+:scrypt\.\d+\.\d+\.\d+\.[\w-]+\.[\w-]+$/;

/** `<name>:<role>[+<role>]:<scrypt hash>,...` (CONSOLE_USERS); unknown roles are errors, not ignored. */
export function parseAccounts(spec: string): ConsoleAccount[] {
  return spec
    .split(',')
    .filter(Boolean)
    .map((entry) => {
      if (!ACCOUNT_PATTERN.test(entry))
        throw new Error('each account must be <name>:<role>[+<role>]:<scrypt hash>');
      const [name, roles, passwordHash] = entry.split(':');
      const parsed = roles.split('+');
      const unknown = parsed.filter((role) => !isConsoleRole(role));
      if (unknown.length > 0) throw new Error(`account ${name}: unknown role ${unknown.join(', ')}`);
      return { name, roles: parsed.filter(isConsoleRole), passwordHash };
    });
}

/** The development password of an account (deploy/local.env): refused when NODE_ENV=production. */
export function developmentPassword(name: string): string {
  return `${name}-change-me`;
}
