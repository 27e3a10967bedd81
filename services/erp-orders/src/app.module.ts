import { Module } from '@nestjs/common';

import { ConnectorModule, connectorEnvClasses } from '@switchboard/connectors';
import { PlatformModule } from '@switchboard/platform';

import { CustomersModule } from './customers/customers.module';
import { SalesOrdersModule } from './sales-orders/sales-orders.module';
import { erpOrdersService } from './service.definition';

@Module({
  imports: [
    PlatformModule.forService(erpOrdersService, { env: connectorEnvClasses('erp') }),
    ConnectorModule.forDownstream('erp'),
    CustomersModule,
    SalesOrdersModule,
  ],
})
export class AppModule {}
