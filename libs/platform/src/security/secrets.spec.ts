import { IsOptional } from 'class-validator';

import { validateEnv } from '../config/validate-env';
import { IsSecretList, MIN_SECRET_LENGTH, secretProblems } from './secrets';

const strong = (n: number) => `s3cret-${n}-${'x'.repeat(MIN_SECRET_LENGTH)}`;

class SecretsEnv {
  @IsOptional()
  @IsSecretList((raw) =>
    raw.split(',').map((pair) => ({ owner: pair.split(':')[0], value: pair.split(':')[1] })),
  )
  SECRETS?: string;
}

describe('secrets that cannot be weak or shared', () => {
  const validate = validateEnv(SecretsEnv);

  it('refuses a secret shorter than the minimum, naming its owner and never printing it', () => {
    const problems = secretProblems([{ owner: 'crm', value: 'short-secret' }], false);
    expect(problems).toEqual([`the secret of crm is shorter than ${MIN_SECRET_LENGTH} characters`]);
    expect(problems.join()).not.toContain('short-secret');
  });

  it('refuses two owners sharing one secret', () => {
    expect(
      secretProblems(
        [
          { owner: 'crm', value: strong(1) },
          { owner: 'erp', value: strong(1) },
        ],
        false,
      ),
    ).toEqual(['crm and erp share a secret']);
    // Two active secrets of one owner (a rotation) are fine.
    expect(
      secretProblems(
        [
          { owner: 'crm', value: strong(1) },
          { owner: 'crm', value: strong(2) },
        ],
        false,
      ),
    ).toEqual([]);
  });

  it('accepts the development secrets locally and refuses them when NODE_ENV=production', () => {
    const dev = 'crm:dev-crm-secret-change-me';
    expect(() => validate({ SECRETS: dev })).not.toThrow();
    expect(() => validate({ SECRETS: dev, NODE_ENV: 'production' })).toThrow(
      /SECRETS: crm uses a development secret \(\.\.\.change-me\) while NODE_ENV=production/,
    );
    expect(() => validate({ SECRETS: `crm:${strong(1)}`, NODE_ENV: 'production' })).not.toThrow();
  });
});
