import {
  randomBytes,
  scrypt as scryptCallback,
  scryptSync,
  timingSafeEqual,
  type ScryptOptions,
} from 'node:crypto';

import { isConsoleRole, type ConsoleRole } from './roles';

// N = 2^15: about 50 ms per check on one core, OWASP's minimum for scrypt (N=2^15, r=8, p=1)
// is met while a sign-in stays quick. The parameters travel in the hash, so they can be raised.
const PARAMS = { N: 32_768, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const MAX_MEMORY = 64 * 1024 * 1024;

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password, salt, keyLength, { ...options, maxmem: MAX_MEMORY }, (error, key) =>
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

interface ParsedHash {
  salt: Buffer;
  key: Buffer;
  options: ScryptOptions;
}

function parseHash(hash: string): ParsedHash | null {
  const [scheme, n, r, p, salt, key] = hash.split('.');
  if (scheme !== 'scrypt' || !salt || !key) return null;
  return {
    salt: Buffer.from(salt, 'base64url'),
    key: Buffer.from(key, 'base64url'),
    options: { N: Number(n), r: Number(r), p: Number(p) },
  };
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const parsed = parseHash(hash);
  if (!parsed) return false;
  const actual = await scrypt(password, parsed.salt, parsed.key.length, parsed.options);
  return timingSafeEqual(actual, parsed.key);
}

/** The same check, blocking: for config validation at boot, which is synchronous. */
function verifyPasswordSync(password: string, hash: string): boolean {
  const parsed = parseHash(hash);
  if (!parsed) return false;
  const actual = scryptSync(password, parsed.salt, parsed.key.length, {
    ...parsed.options,
    maxmem: MAX_MEMORY,
  });
  return timingSafeEqual(actual, parsed.key);
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

/**
 * The hashes of deploy/local.env's accounts (its spec keeps them in step with the file): refused in
 * production under any name, since the file and its passwords are public.
 */
export const DEVELOPMENT_PASSWORD_HASHES: ReadonlySet<string> = new Set([
  'scrypt.32768.8.1.mYRsQ7oPSPYLwhD8oVyeaQ.ioL32BBP5AO1UVviiCMqhzXL4jSqL4Qs-BQC8etdrBM',
  'scrypt.32768.8.1.lkyBWuiSC92ddOPFdNW9Tw.CIzgAEw8EijUYgGs-WwM_o56xFhoYAyzU8_ShbrQAAs',
  'scrypt.32768.8.1.pM2MAbhMM2QKsT8i4yswaQ.QHMAIkJcEFU5UERMgKbpsLnYPgADsT2uWmeFMeX3Q5o',
  'scrypt.32768.8.1.iKbk_m7w_BH1pGsiLq2VmA.omPgwbjeJBJKj8xc43tTkOs9EVhZ1fDvPMog1TzQFIA',
]);

/**
 * The names of the accounts that sign in with a development password: a hash of deploy/local.env,
 * or any hash of `<name>-change-me` (a development password hashed again). One scrypt per account.
 */
export function developmentAccounts(accounts: readonly ConsoleAccount[]): string[] {
  return accounts
    .filter(
      (account) =>
        DEVELOPMENT_PASSWORD_HASHES.has(account.passwordHash) ||
        verifyPasswordSync(developmentPassword(account.name), account.passwordHash),
    )
    .map((account) => account.name);
}
