import 'reflect-metadata';

import { runProvision } from '@switchboard/platform';

import { addressBookService } from './service.definition';

runProvision(addressBookService);
