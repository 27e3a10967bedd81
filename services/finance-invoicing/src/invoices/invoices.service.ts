import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import { priceDeal, type CloudEvent } from '@switchboard/contracts';
import type { DownstreamConnector } from '@switchboard/connectors';
import type { InboxContext } from '@switchboard/inbox';
import { DOWNSTREAM_CONNECTOR } from '@switchboard/platform';

import { Invoice } from './invoice.entity';

@Injectable()
export class InvoicesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DOWNSTREAM_CONNECTOR) private readonly finance: DownstreamConnector,
  ) {}

  /** `deal_won` -> one invoice per deal (the deal id is unique), totals computed exactly. */
  async invoiceDeal(event: CloudEvent<'deal_won'>, ctx: InboxContext): Promise<void> {
    const { manager } = ctx;
    const deal = event.data;
    const priced = priceDeal(deal);
    const inserted: Array<{ invoice_number: string }> = await manager.query(
      `INSERT INTO invoice (invoice_number, deal_id, crm_account_id, currency, net_total, tax_rate_percent, tax_total, gross_total, event_id)
       VALUES ('INV-' || to_char(now(), 'YYYY') || '-' || lpad(nextval('invoice_number_seq')::text, 8, '0'), $1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (deal_id) DO NOTHING
       RETURNING invoice_number`,
      [
        deal.dealId,
        deal.account.crmAccountId,
        deal.currency,
        priced.netTotal,
        deal.taxRatePercent,
        priced.taxTotal,
        priced.grossTotal,
        event.id,
      ],
    );
    const invoiceNumber = inserted[0]?.invoice_number;
    if (!invoiceNumber) return;
    const lines = priced.lines.map((line, index) => ({
      lineNo: line.lineNo,
      description: deal.lines[index].description ?? deal.lines[index].crmProductId,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      discountPercent: line.discountPercent,
      lineTotal: line.lineTotal,
    }));
    await manager
      .createQueryBuilder()
      .insert()
      .into('invoice_line')
      .values(lines.map((line) => ({ invoiceNumber, ...line })))
      .execute();
    const invoice = {
      dealId: deal.dealId,
      invoiceNumber,
      crmAccountId: deal.account.crmAccountId,
      currency: deal.currency,
      netTotal: priced.netTotal,
      taxTotal: priced.taxTotal,
      grossTotal: priced.grossTotal,
    };
    await this.finance.deliver({
      operation: 'invoices',
      idempotencyKey: event.id,
      // The downstream gets the lines too: a finance system that owns invoicing creates them.
      body: { ...invoice, lines },
      event: { id: event.id, type: 'deal_won', data: deal },
    });
    await ctx.publish('invoice_created', invoice);
  }

  findByDeal(dealId: string): Promise<Invoice | null> {
    return this.dataSource.getRepository(Invoice).findOne({
      where: { dealId },
      relations: { lines: true },
      order: { lines: { lineNo: 'ASC' } },
    });
  }
}
