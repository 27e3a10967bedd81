import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ProtectedApi } from '@switchboard/platform';

import { SalesOrderDto, salesOrderDto } from './dto/sales-order.dto';
import { SalesOrdersService } from './sales-orders.service';

/** Names, e-mails and amounts: a viewer token (401/403), per-token rate limit, no-store. */
@ProtectedApi('viewer')
@ApiTags('sales-orders')
@Controller('v1/sales-orders')
export class SalesOrdersController {
  constructor(private readonly salesOrders: SalesOrdersService) {}

  @Get('by-deal/:dealId')
  @ApiOperation({ summary: 'The sales order a won deal became' })
  @ApiOkResponse({ type: SalesOrderDto })
  @ApiNotFoundResponse({ description: 'No sales order for this deal (yet)' })
  async byDeal(@Param('dealId') dealId: string): Promise<SalesOrderDto> {
    const order = await this.salesOrders.findByDeal(dealId);
    if (!order) throw new NotFoundException(`No sales order for deal ${dealId}`);
    return salesOrderDto(order);
  }
}
