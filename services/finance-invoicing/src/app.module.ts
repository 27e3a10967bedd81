import { Module } from '@nestjs/common';

import { PlatformModule } from '@switchboard/platform';

import { InvoicesModule } from './invoices/invoices.module';
import { financeInvoicingService } from './service.definition';

@Module({ imports: [PlatformModule.forService(financeInvoicingService), InvoicesModule] })
export class AppModule {}
