import { Module } from '@nestjs/common';

import { ConnectorModule, connectorEnvClasses } from '@switchboard/connectors';
import { PlatformModule } from '@switchboard/platform';

import { InvoicesModule } from './invoices/invoices.module';
import { financeInvoicingService } from './service.definition';

@Module({
  imports: [
    PlatformModule.forService(financeInvoicingService, { env: connectorEnvClasses('finance') }),
    ConnectorModule.forDownstream('finance'),
    InvoicesModule,
  ],
})
export class AppModule {}
