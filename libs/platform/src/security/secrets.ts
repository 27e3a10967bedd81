import { registerDecorator, type ValidationArguments } from 'class-validator';

/** Every secret and token Switchboard checks (HMAC secrets, API tokens, webhook keys): at least this long. */
export const MIN_SECRET_LENGTH = 24;

/** The development secrets of deploy/local.env and the compose file all say so. */
export function isDevelopmentSecret(value: string): boolean {
  return /change-?me/i.test(value);
}

export interface NamedSecret {
  /** Whose secret it is (a source system, a token's name): printed, unlike the value. */
  owner: string;
  value: string;
}

/**
 * What is wrong with a set of secrets, without ever printing one: too short, a development secret
 * in production, or one secret shared by two owners (a leak of one would be a leak of both, and
 * the receiver could not tell them apart).
 */
export function secretProblems(secrets: NamedSecret[], production: boolean): string[] {
  const problems: string[] = [];
  const owners = new Map<string, string>();
  for (const { owner, value } of secrets) {
    if (value.length < MIN_SECRET_LENGTH) {
      problems.push(`the secret of ${owner} is shorter than ${MIN_SECRET_LENGTH} characters`);
    }
    if (production && isDevelopmentSecret(value)) {
      problems.push(`${owner} uses a development secret (...change-me) while NODE_ENV=production`);
    }
    const first = owners.get(value);
    if (first !== undefined && first !== owner) problems.push(`${first} and ${owner} share a secret`);
    else owners.set(value, owner);
  }
  return problems;
}

function isProduction(args: ValidationArguments): boolean {
  return (args.object as { NODE_ENV?: unknown }).NODE_ENV === 'production';
}

/**
 * An environment variable holding secrets: `parse` splits it into named secrets (a value it cannot
 * parse is left to the variable's format rule), and boot fails on any of `secretProblems`.
 */
export function IsSecretList(parse: (raw: string) => NamedSecret[]): PropertyDecorator {
  const problemsOf = (value: unknown, args: ValidationArguments): string[] => {
    if (typeof value !== 'string' || value === '') return [];
    let secrets: NamedSecret[];
    try {
      secrets = parse(value);
    } catch {
      return [];
    }
    return secretProblems(secrets, isProduction(args));
  };
  return (target, propertyKey) =>
    registerDecorator({
      name: 'isSecretList',
      target: target.constructor,
      propertyName: propertyKey as string,
      validator: {
        validate: (value: unknown, args: ValidationArguments) => problemsOf(value, args).length === 0,
        defaultMessage: (args: ValidationArguments) => problemsOf(args.value, args).join('; '),
      },
    });
}

/** One secret in one variable (`owner` names it in messages). */
export function IsSecret(owner: string): PropertyDecorator {
  return IsSecretList((raw) => [{ owner, value: raw }]);
}
