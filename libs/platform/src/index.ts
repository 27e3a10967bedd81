export { PlatformModule, SERVICE_DEFINITION } from './service/platform.module';
export { ServiceDefinition, consumerGroupOf, runsOutboxRelay } from './service/service-definition';
export { bootstrapService } from './service/bootstrap';
export { serviceDataSourceOptions } from './database/data-source-options';
export { PreparingClient } from './database/prepared-statements';
export { provision, runProvision } from './database/provision';
export { validateEnv } from './config/validate-env';
export { EnvBoolean, envBoolean, parseEnvBoolean } from './config/env-boolean';
export { PlatformEnv, MessagingEnv } from './config/platform-env';
export { REDACTED_PATHS } from './logging/logger.module';
export {
  IsSecret,
  IsSecretList,
  MIN_SECRET_LENGTH,
  isDevelopmentSecret,
  secretProblems,
  type NamedSecret,
} from './security/secrets';
export {
  API_TOKENS,
  ApiTokenGuard,
  ProtectedApi,
  ROLES,
  RequireRole,
  apiTokenSecrets,
  parseApiTokens,
  type ApiCaller,
  type Role,
  type TokenEntry,
} from './security/api-token.guard';
export { TokenThrottlerGuard } from './security/rate-limit';
export { SERVICE_READINESS, type ServiceReadiness } from './health/service-readiness';
export { THRESHOLDS } from './metrics/thresholds';
export { DECIMAL_STRING, JSON_VALUE } from './openapi';
