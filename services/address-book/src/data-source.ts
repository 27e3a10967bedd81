import 'reflect-metadata';
import { DataSource } from 'typeorm';

import { serviceDataSourceOptions } from '@switchboard/platform';

import { addressBookService } from './service.definition';

/** For the TypeORM CLI (migration:generate / run / revert); the app builds the same options. */
export default new DataSource(serviceDataSourceOptions(addressBookService, process.env.DATABASE_URL ?? ''));
