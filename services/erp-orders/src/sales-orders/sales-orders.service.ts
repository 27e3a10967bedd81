import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import { priceDeal, type CloudEvent, type SalesOrderCreatedV1 } from '@switchboard/contracts';
import { DOWNSTREAM_CONNECTOR, type DownstreamConnector } from '@switchboard/downstream';
import { firstOfEach, type ChunkContext } from '@switchboard/inbox';

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
   * new event id still yields one order; everything runs in the inbox transaction of the chunk.
   */
  async createFromDeals(events: Array<CloudEvent<'deal_won'>>, chunk: ChunkContext): Promise<void> {
    const { manager } = chunk;
    const first = firstOfEach(events, (event) => event.data.dealId);
    const deals = first.map((event) => event.data);
    const itemCodes = await this.itemMappings.itemCodesFor(manager, deals);
    const customers = await this.customers.resolveForDeals(manager, deals);
    const orders = first.map((event) => ({
      event,
      deal: event.data,
      priced: priceDeal(event.data),
      customer: customers.get(event.data.dealId)!,
    }));
    const inserted: Array<{ deal_id: string; order_number: string }> = await manager.query(
      `INSERT INTO sales_order (order_number, deal_id, erp_customer_number, currency, net_total, event_id)
       SELECT 'SO-' || lpad(nextval('sales_order_number_seq')::text, 8, '0'), o.*
       FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[], $5::uuid[])
         AS o(deal_id, erp_customer_number, currency, net_total, event_id)
       ON CONFLICT (deal_id) DO NOTHING
       RETURNING deal_id, order_number`,
      [
        orders.map(({ deal }) => deal.dealId),
        orders.map(({ customer }) => customer.customerNumber),
        orders.map(({ deal }) => deal.currency),
        orders.map(({ priced }) => priced.netTotal),
        orders.map(({ event }) => event.id),
      ],
    );
    const numbers = new Map(inserted.map((row) => [row.deal_id, row.order_number]));
    const created = orders.flatMap(({ event, deal, priced, customer }) => {
      const orderNumber = numbers.get(deal.dealId);
      if (!orderNumber) return [];
      const result: SalesOrderCreatedV1 = {
        dealId: deal.dealId,
        orderNumber,
        erpCustomerNumber: customer.customerNumber,
        customerCreated: customer.created,
        currency: deal.currency,
        netTotal: priced.netTotal,
        lines: priced.lines.map((line, index) => ({
          lineNo: line.lineNo,
          itemCode: itemCodes.get(deal.lines[index].crmProductId)!,
          quantity: line.quantity,
          unitPrice: line.unitPrice,
          discountPercent: line.discountPercent,
          lineTotal: line.lineTotal,
        })),
      };
      return [{ event, deal, result }];
    });
    if (created.length === 0) return;
    const lines = created.flatMap(({ deal, result }) =>
      result.lines.map((line, index) => ({
        ...line,
        orderNumber: result.orderNumber,
        crmProductId: deal.lines[index].crmProductId,
      })),
    );
    await manager.query(
      `INSERT INTO sales_order_line (order_number, line_no, crm_product_id, item_code, quantity, unit_price, discount_percent, line_total)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[])`,
      [
        lines.map((line) => line.orderNumber),
        lines.map((line) => line.lineNo),
        lines.map((line) => line.crmProductId),
        lines.map((line) => line.itemCode),
        lines.map((line) => line.quantity),
        lines.map((line) => line.unitPrice),
        lines.map((line) => line.discountPercent),
        lines.map((line) => line.lineTotal),
      ],
    );
    // Inside the transaction: if the ERP refuses or fails, nothing above commits either, and the
    // retry sends the same idempotency key.
    await chunk.deliver(
      this.erp,
      created.map(({ event, deal, result }) => ({
        event,
        delivery: {
          operation: 'sales-orders',
          idempotencyKey: event.id,
          body: result,
          event: { id: event.id, type: 'deal_won', data: deal },
        },
      })),
    );
    await chunk.publish(
      'sales_order_created',
      created.map(({ event, result }) => ({ cause: event, data: result })),
    );
  }

  findByDeal(dealId: string): Promise<SalesOrder | null> {
    return this.dataSource.getRepository(SalesOrder).findOne({
      where: { dealId },
      relations: { lines: true },
      order: { lines: { lineNo: 'ASC' } },
    });
  }
}
