import { hashPassword, parseAccounts, verifyPassword } from './accounts';

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
});
