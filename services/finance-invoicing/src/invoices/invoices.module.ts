import { Module } from '@nestjs/common';

import { DealWonConsumer } from './deal-won.consumer';
import { InvoicesController } from './invoices.controller';
import { InvoicesService } from './invoices.service';

@Module({ controllers: [InvoicesController, DealWonConsumer], providers: [InvoicesService] })
export class InvoicesModule {}
