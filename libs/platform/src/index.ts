export { DOWNSTREAM_CONNECTOR, PlatformModule, SERVICE_DEFINITION } from './service/platform.module';
export { ServiceDefinition, consumerGroupOf } from './service/service-definition';
export { bootstrapService } from './service/bootstrap';
export { serviceDataSourceOptions } from './database/data-source-options';
export { provision, runProvision } from './database/provision';
export { validateEnv } from './config/validate-env';
export { PlatformEnv, MessagingEnv } from './config/platform-env';
export { REDACTED_PATHS } from './logging/logger.module';
