import 'reflect-metadata';

import { runProvision } from '@switchboard/platform';

import { financeInvoicingService } from './service.definition';

runProvision(financeInvoicingService);
