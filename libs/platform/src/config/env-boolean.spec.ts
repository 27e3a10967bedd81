import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { EnvBoolean, envBoolean } from './env-boolean';
import { MessagingEnv, PlatformEnv } from './platform-env';
import { validateEnv } from './validate-env';

const ROOT = join(__dirname, '..', '..', '..', '..');
const required = { DATABASE_URL: 'postgres://u@h:5432/db', KAFKA_BROKERS: 'a:9092' };
const validate = validateEnv(PlatformEnv, MessagingEnv);

class FlagEnv {
  @EnvBoolean()
  FLAG = true;
}

describe('strict booleans in the configuration', () => {
  it("LOG_PRETTY 'false' (every ConfigMap) is false, 'true' is true, unset is the default", () => {
    expect(validate({ ...required, LOG_PRETTY: 'false' }).LOG_PRETTY).toBe(false);
    expect(validate({ ...required, LOG_PRETTY: 'true' }).LOG_PRETTY).toBe(true);
    expect(validate(required).LOG_PRETTY).toBe(false);
  });

  it.each(['0', '1', 'yes', 'no', 'False', 'TRUE', ' true', ''])(
    'refuses %p with a readable message',
    (raw) => {
      expect(() => validate({ ...required, LOG_PRETTY: raw })).toThrow(
        /LOG_PRETTY: must be 'true' or 'false'/,
      );
    },
  );

  it("a default of true survives being unset and 'false' turns it off", () => {
    const flags = validateEnv(FlagEnv);
    expect(flags({}).FLAG).toBe(true);
    expect(flags({ FLAG: 'false' }).FLAG).toBe(false);
  });

  it('envBoolean reads variables used outside the env classes (PROVISION_TOPICS) the same way', () => {
    expect(envBoolean({}, 'PROVISION_TOPICS', true)).toBe(true);
    expect(envBoolean({ PROVISION_TOPICS: 'false' }, 'PROVISION_TOPICS', true)).toBe(false);
    expect(envBoolean({ PROVISION_TOPICS: 'true' }, 'PROVISION_TOPICS', false)).toBe(true);
    expect(() => envBoolean({ PROVISION_TOPICS: 'no' }, 'PROVISION_TOPICS', true)).toThrow(
      "PROVISION_TOPICS must be 'true' or 'false' (got 'no')",
    );
  });

  it('no env class of a lib or a service converts a boolean any other way', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) {
          if (name !== 'node_modules') walk(path);
        } else if (/(platform-env|\.env)\.ts$/.test(name)) files.push(path);
      }
    };
    walk(join(ROOT, 'libs'));
    walk(join(ROOT, 'services'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    const offenders = files.filter((file) =>
      /Type\(\(\) => Boolean\)|@IsBoolean\(/.test(readFileSync(file, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});
