import { Transform } from 'class-transformer';
import { IsBoolean } from 'class-validator';

/**
 * Booleans of the environment are the strings `true` and `false`, nothing else. `@Type(() => Boolean)`
 * (and implicit conversion) calls `Boolean('false')`, which is `true`: a ConfigMap's `LOG_PRETTY: 'false'`
 * then loads pino-pretty, which the production image does not have. Every boolean setting of every
 * service goes through this one parser.
 */
export function parseEnvBoolean(raw: unknown): boolean | undefined {
  if (raw === true || raw === false) return raw;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return undefined;
}

/** A boolean read directly from the environment (not through an env class); unset gives `fallback`. */
export function envBoolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = parseEnvBoolean(raw);
  if (value === undefined) throw new Error(`${name} must be 'true' or 'false' (got '${raw}')`);
  return value;
}

/**
 * The decorator of a boolean property of an env class: `true`/`false` convert, anything else stays
 * as given and fails validation with a readable message. It reads the raw source value, not the one
 * implicit conversion already turned into `Boolean(raw)`.
 */
export function EnvBoolean(): PropertyDecorator {
  const transform = Transform(
    ({ key, obj, value }: { key: string; obj: Record<string, unknown>; value: unknown }) => {
      if (!(key in obj) || obj[key] === undefined) return value;
      const parsed = parseEnvBoolean(obj[key]);
      return parsed === undefined ? obj[key] : parsed;
    },
  );
  const validate = IsBoolean({ message: "must be 'true' or 'false'" });
  return (target, property) => {
    transform(target, property);
    validate(target, property);
  };
}
