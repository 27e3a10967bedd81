import { Controller, Get, NotFoundException, Param } from '@nestjs/common';

import { ProtectedApi } from '@switchboard/platform';

import { SalesOrdersService } from './sales-orders.service';
import type { SalesOrder } from './sales-order.entity';

/** Names, e-mails and amounts: a viewer token (401/403), per-token rate limit, no-store. */
@ProtectedApi('viewer')
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
