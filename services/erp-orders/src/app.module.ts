import { Module } from '@nestjs/common';

import { PlatformModule } from '@switchboard/platform';

import { SalesOrdersModule } from './sales-orders/sales-orders.module';
import { erpOrdersService } from './service.definition';

@Module({ imports: [PlatformModule.forService(erpOrdersService), SalesOrdersModule] })
export class AppModule {}
