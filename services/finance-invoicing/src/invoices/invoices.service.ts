import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import { priceDeal, type CloudEvent } from '@switchboard/contracts';
import { DOWNSTREAM_CONNECTOR, type DownstreamConnector } from '@switchboard/downstream';
import { firstOfEach, type ChunkContext, type ResultOf } from '@switchboard/inbox';

import { Invoice } from './invoice.entity';

@Injectable()
export class InvoicesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DOWNSTREAM_CONNECTOR) private readonly finance: DownstreamConnector,
  ) {}

  /** `deal_won` -> one invoice per deal (the deal id is unique), totals computed exactly. */
  async invoiceDeals(events: Array<CloudEvent<'deal_won'>>, chunk: ChunkContext): Promise<void> {
    const { manager } = chunk;
    const deals = firstOfEach(events, (event) => event.data.dealId).map((event) => ({
      event,
      deal: event.data,
      priced: priceDeal(event.data),
    }));
    const inserted: Array<{ deal_id: string; invoice_number: string }> = await manager.query(
      `INSERT INTO invoice (invoice_number, deal_id, crm_account_id, currency, net_total, tax_rate_percent, tax_total, gross_total, event_id)
       SELECT 'INV-' || to_char(now(), 'YYYY') || '-' || lpad(nextval('invoice_number_seq')::text, 8, '0'), d.*
       FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[], $8::uuid[])
         AS d(deal_id, crm_account_id, currency, net_total, tax_rate_percent, tax_total, gross_total, event_id)
       ON CONFLICT (deal_id) DO NOTHING
       RETURNING deal_id, invoice_number`,
      [
        deals.map(({ deal }) => deal.dealId),
        deals.map(({ deal }) => deal.account.crmAccountId),
        deals.map(({ deal }) => deal.currency),
        deals.map(({ priced }) => priced.netTotal),
        deals.map(({ deal }) => deal.taxRatePercent),
        deals.map(({ priced }) => priced.taxTotal),
        deals.map(({ priced }) => priced.grossTotal),
        deals.map(({ event }) => event.id),
      ],
    );
    const numbers = new Map(inserted.map((row) => [row.deal_id, row.invoice_number]));
    const invoiced = deals.flatMap(({ event, deal, priced }) => {
      const invoiceNumber = numbers.get(deal.dealId);
      if (!invoiceNumber) return [];
      const lines = priced.lines.map((line, index) => ({
        lineNo: line.lineNo,
        description: deal.lines[index].description ?? deal.lines[index].crmProductId,
        quantity: line.quantity,
        unitPrice: line.unitPrice,
        discountPercent: line.discountPercent,
        lineTotal: line.lineTotal,
      }));
      return [{ event, deal, priced, invoiceNumber, lines }];
    });
    if (invoiced.length === 0) return;
    const lines = invoiced.flatMap(({ invoiceNumber, lines }) =>
      lines.map((line) => ({ invoiceNumber, ...line })),
    );
    await manager.query(
      `INSERT INTO invoice_line (invoice_number, line_no, description, quantity, unit_price, discount_percent, line_total)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[])`,
      [
        lines.map((line) => line.invoiceNumber),
        lines.map((line) => line.lineNo),
        lines.map((line) => line.description),
        lines.map((line) => line.quantity),
        lines.map((line) => line.unitPrice),
        lines.map((line) => line.discountPercent),
        lines.map((line) => line.lineTotal),
      ],
    );
    const results: Array<ResultOf<'invoice_created'>> = invoiced.map(
      ({ event, deal, priced, invoiceNumber }) => ({
        cause: event,
        data: {
          dealId: deal.dealId,
          invoiceNumber,
          crmAccountId: deal.account.crmAccountId,
          currency: deal.currency,
          netTotal: priced.netTotal,
          taxTotal: priced.taxTotal,
          grossTotal: priced.grossTotal,
        },
      }),
    );
    // Inside the transaction: if the finance system refuses or fails, nothing above commits
    // either, and the retry sends the same idempotency key.
    await chunk.deliver(
      this.finance,
      invoiced.map(({ event, deal, lines }, at) => ({
        event,
        delivery: {
          operation: 'invoices',
          idempotencyKey: event.id,
          // The downstream gets the lines too: a finance system that owns invoicing creates them.
          body: { ...results[at].data, lines },
          event: { id: event.id, type: 'deal_won', data: deal },
        },
      })),
    );
    await chunk.publish('invoice_created', results);
  }

  findByDeal(dealId: string): Promise<Invoice | null> {
    return this.dataSource.getRepository(Invoice).findOne({
      where: { dealId },
      relations: { lines: true },
      order: { lines: { lineNo: 'ASC' } },
    });
  }
}
