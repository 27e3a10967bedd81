import type { DataSourceOptions } from 'typeorm';

import { INBOX_MIGRATIONS } from '@switchboard/inbox';
import {
  OutboxSetAside1763860000004,
  OutboxTables1763860000000,
  OutboxWithoutNotify1763860000003,
} from '@switchboard/outbox';

import type { ServiceDefinition } from '../service/service-definition';
import { PreparingClient } from './prepared-statements';

/** One definition for the app and the TypeORM CLI: schema-owned tables, migrations only. */
export function serviceDataSourceOptions(
  definition: ServiceDefinition,
  url: string,
  poolSize = 10,
  { preparedStatements = true }: { preparedStatements?: boolean } = {},
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    schema: definition.schema,
    entities: definition.entities,
    migrations: [
      OutboxTables1763860000000,
      OutboxWithoutNotify1763860000003,
      OutboxSetAside1763860000004,
      ...(definition.consumes.length > 0 ? INBOX_MIGRATIONS : []),
      ...definition.migrations,
    ],
    migrationsTableName: 'typeorm_migration',
    synchronize: false,
    migrationsRun: false,
    applicationName: definition.name,
    // Unqualified SQL (migrations, raw queries) resolves to the service's own schema.
    extra: {
      max: poolSize,
      options: `-c search_path=${definition.schema}`,
      ...(preparedStatements ? { Client: PreparingClient } : {}),
    },
  };
}
