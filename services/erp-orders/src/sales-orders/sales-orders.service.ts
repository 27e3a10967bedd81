import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import { priceDeal, type CloudEvent, type SalesOrderCreatedV1 } from '@switchboard/contracts';
import type { DownstreamConnector } from '@switchboard/connectors';
import type { InboxContext } from '@switchboard/inbox';
import { DOWNSTREAM_CONNECTOR } from '@switchboard/platform';

import { CustomersService } from '../customers/customers.service';
import { ItemMappingsService } from '../item-mappings/item-mappings.service';
import { SalesOrder } from './sales-order.entity';

@Injectable()
export class SalesOrdersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly customers: CustomersService,
    private readonly itemMappings: ItemMappingsService,
    @Inject(DOWNSTREAM_CONNECTOR) private readonly erp: DownstreamConnector,
  ) {}

  /**
   * `deal_won` -> one sales order with its lines. The deal id is unique, so a deal re-sent under a
   * new event id still yields one order; everything runs in the inbox transaction of `ctx`.
   */
  async createFromDeal(event: CloudEvent<'deal_won'>, ctx: InboxContext): Promise<void> {
    const { manager } = ctx;
    const deal = event.data;
    const itemCodes = await this.itemMappings.itemCodesFor(manager, deal.lines);
    const customer = await this.customers.resolveForDeal(manager, deal);
    const priced = priceDeal(deal);
    const inserted: Array<{ order_number: string }> = await manager.query(
      `INSERT INTO sales_order (order_number, deal_id, erp_customer_number, currency, net_total, event_id)
       VALUES ('SO-' || lpad(nextval('sales_order_number_seq')::text, 8, '0'), $1, $2, $3, $4, $5)
       ON CONFLICT (deal_id) DO NOTHING
       RETURNING order_number`,
      [deal.dealId, customer.customerNumber, deal.currency, priced.netTotal, event.id],
    );
    const orderNumber = inserted[0]?.order_number;
    if (!orderNumber) return;
    const lines = priced.lines.map((line, index) => ({
      lineNo: line.lineNo,
      crmProductId: deal.lines[index].crmProductId,
      itemCode: itemCodes.get(deal.lines[index].crmProductId)!,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      discountPercent: line.discountPercent,
      lineTotal: line.lineTotal,
    }));
    await manager
      .createQueryBuilder()
      .insert()
      .into('sales_order_line')
      .values(lines.map((line) => ({ orderNumber, ...line })))
      .execute();
    const result: SalesOrderCreatedV1 = {
      dealId: deal.dealId,
      orderNumber,
      erpCustomerNumber: customer.customerNumber,
      customerCreated: customer.created,
      currency: deal.currency,
      netTotal: priced.netTotal,
      lines: lines.map(({ lineNo, itemCode, quantity, unitPrice, discountPercent, lineTotal }) => ({
        lineNo,
        itemCode,
        quantity,
        unitPrice,
        discountPercent,
        lineTotal,
      })),
    };
    // Inside the transaction: if the ERP refuses or fails, nothing above commits either, and the
    // retry sends the same idempotency key.
    await this.erp.deliver({
      operation: 'sales-orders',
      idempotencyKey: event.id,
      body: result,
      event: { id: event.id, type: 'deal_won', data: deal },
    });
    await ctx.publish('sales_order_created', result);
  }

  findByDeal(dealId: string): Promise<SalesOrder | null> {
    return this.dataSource.getRepository(SalesOrder).findOne({
      where: { dealId },
      relations: { lines: true },
      order: { lines: { lineNo: 'ASC' } },
    });
  }
}
