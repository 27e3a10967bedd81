import { Module } from '@nestjs/common';

import { CustomersService } from '../customers/customers.service';
import { ItemMappingsService } from '../item-mappings/item-mappings.service';
import { DealWonConsumer } from './deal-won.consumer';
import { SalesOrdersController } from './sales-orders.controller';
import { SalesOrdersService } from './sales-orders.service';

@Module({
  controllers: [SalesOrdersController, DealWonConsumer],
  providers: [SalesOrdersService, CustomersService, ItemMappingsService],
})
export class SalesOrdersModule {}
