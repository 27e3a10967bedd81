import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { validateEnv } from '@switchboard/platform';

import { hashPassword } from '../auth/accounts';
import { ConsoleEnv } from './console.env';

const LOCAL_USERS = readFileSync(join(__dirname, '..', '..', '..', '..', 'deploy', 'local.env'), 'utf8')
  .split('\n')
  .find((line) => line.startsWith('CONSOLE_USERS='))!
  .slice('CONSOLE_USERS='.length);

const validate = validateEnv(ConsoleEnv);
const env = (extra: Record<string, string>) => ({
  CONSOLE_SESSION_SECRET: 'a-real-session-secret-0123456789',
  CONSOLE_CUSTOMER_SYNC_TOKEN: 'a-real-customer-sync-token-0123456789',
  CONSOLE_CONSUMERS: 'erp-orders=deal_won',
  ...extra,
});

describe('ConsoleEnv', () => {
  it("refuses deploy/local.env's accounts in production, naming them", () => {
    expect(() => validate(env({ NODE_ENV: 'production', CONSOLE_USERS: LOCAL_USERS }))).toThrow(
      /CONSOLE_USERS: the account\(s\) dana, oscar, vic, anna use a development password/,
    );
  });

  it('refuses a development password hashed again, and takes real ones', async () => {
    const again = `dana:data-steward:${await hashPassword('dana-change-me')}`;
    expect(() => validate(env({ NODE_ENV: 'production', CONSOLE_USERS: again }))).toThrow(
      /account\(s\) dana use/,
    );
    const real = `dana:data-steward:${await hashPassword('a passphrase only dana knows')}`;
    expect(validate(env({ NODE_ENV: 'production', CONSOLE_USERS: real })).CONSOLE_USERS).toBe(real);
  });

  it('takes them in development, with the sign-in limit of 5 failures per 15 minutes', () => {
    const config = validate(env({ NODE_ENV: 'development', CONSOLE_USERS: LOCAL_USERS }));
    expect(config).toMatchObject({ CONSOLE_SIGN_IN_MAX_FAILURES: 5, CONSOLE_SIGN_IN_WINDOW_MINUTES: 15 });
  });
});
