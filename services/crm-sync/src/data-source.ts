import 'reflect-metadata';
import { DataSource } from 'typeorm';

import { serviceDataSourceOptions } from '@switchboard/platform';

import { crmSyncService } from './service.definition';

/** For the TypeORM CLI (migration:generate / run / revert); the app builds the same options. */
export default new DataSource(serviceDataSourceOptions(crmSyncService, process.env.DATABASE_URL ?? ''));
