import { Module } from '@nestjs/common';

import { PlatformModule } from '@switchboard/platform';

import { CustomersModule } from './customers/customers.module';
import { SalesOrdersModule } from './sales-orders/sales-orders.module';
import { erpOrdersService } from './service.definition';

@Module({ imports: [PlatformModule.forService(erpOrdersService), CustomersModule, SalesOrdersModule] })
export class AppModule {}
