import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  DEVELOPMENT_PASSWORD_HASHES,
  developmentAccounts,
  hashPassword,
  parseAccounts,
  verifyPassword,
} from './accounts';

const LOCAL_ENV = join(__dirname, '..', '..', '..', '..', 'deploy', 'local.env');

describe('console accounts', () => {
  it('a password verifies against its own hash only', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^scrypt\.32768\.8\.1\./);
    await expect(verifyPassword('correct horse', hash)).resolves.toBe(true);
    await expect(verifyPassword('correct hors', hash)).resolves.toBe(false);
    await expect(verifyPassword('correct horse', 'plain-text')).resolves.toBe(false);
  });

  it('two hashes of one password differ (a salt each)', async () => {
    expect(await hashPassword('x')).not.toBe(await hashPassword('x'));
  });

  it('parses name, roles and hash; refuses unknown roles and plain passwords', async () => {
    const hash = await hashPassword('pw');
    expect(parseAccounts(`dana:data-steward+operator:${hash},vic:viewer:${hash}`)).toEqual([
      { name: 'dana', roles: ['data-steward', 'operator'], passwordHash: hash },
      { name: 'vic', roles: ['viewer'], passwordHash: hash },
    ]);
    expect(() => parseAccounts(`root:admin:${hash}`)).toThrow('unknown role admin');
    expect(() => parseAccounts('dana:viewer:hunter2')).toThrow('scrypt hash');
  });

  it("knows deploy/local.env's accounts as development ones", () => {
    const line = readFileSync(LOCAL_ENV, 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('CONSOLE_USERS='));
    const accounts = parseAccounts(line!.slice('CONSOLE_USERS='.length));
    expect(new Set(accounts.map((account) => account.passwordHash))).toEqual(DEVELOPMENT_PASSWORD_HASHES);
  });

  it('finds the accounts with a development password: a known hash under any name, or <name>-change-me', async () => {
    const [danaHash] = DEVELOPMENT_PASSWORD_HASHES;
    const accounts = [
      { name: 'root', roles: [], passwordHash: danaHash },
      { name: 'olga', roles: [], passwordHash: await hashPassword('olga-change-me') },
      { name: 'paul', roles: [], passwordHash: await hashPassword('a real passphrase of paul') },
    ];
    expect(developmentAccounts(accounts)).toEqual(['root', 'olga']);
  });
});
