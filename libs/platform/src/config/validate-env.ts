import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';

type EnvClass = new () => object;

/**
 * Builds the `validate` function of `ConfigModule.forRoot`: every class validates its own concern
 * (database, kafka, the service's own settings) and boot fails with one readable list of what is
 * wrong, never with a half-configured service.
 */
export function validateEnv(
  ...classes: EnvClass[]
): (raw: Record<string, unknown>) => Record<string, unknown> {
  return (raw) => {
    const problems: string[] = [];
    const result: Record<string, unknown> = { ...raw };
    for (const cls of classes) {
      const instance = plainToInstance(cls, raw, {
        enableImplicitConversion: true,
        exposeDefaultValues: true,
      });
      for (const error of validateSync(instance, { skipMissingProperties: false, whitelist: false })) {
        const constraints = Object.values(error.constraints ?? {}).join('; ');
        problems.push(`  - ${error.property}: ${constraints}`);
      }
      // Only the variables this class declares: the instance also carries every other raw string,
      // which would overwrite what an earlier class converted.
      for (const property of declaredProperties(cls)) {
        result[property] = (instance as Record<string, unknown>)[property];
      }
    }
    if (problems.length > 0) {
      throw new Error(`Invalid configuration (environment variables):\n${problems.join('\n')}`);
    }
    return result;
  };
}

function declaredProperties(cls: EnvClass): Set<string> {
  return new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(cls, '', true, false)
      .map((metadata) => metadata.propertyName),
  );
}
