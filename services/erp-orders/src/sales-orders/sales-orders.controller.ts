import { Controller, Get, NotFoundException, Param } from '@nestjs/common';

import { SalesOrdersService } from './sales-orders.service';
import type { SalesOrder } from './sales-order.entity';

@Controller('v1/sales-orders')
export class SalesOrdersController {
  constructor(private readonly salesOrders: SalesOrdersService) {}

  @Get('by-deal/:dealId')
  async byDeal(@Param('dealId') dealId: string): Promise<SalesOrder> {
    const order = await this.salesOrders.findByDeal(dealId);
    if (!order) throw new NotFoundException(`No sales order for deal ${dealId}`);
    return order;
  }
}
