import Decimal from 'decimal.js';

import {
  DownstreamError,
  type Delivery,
  type DeliveryOperations,
  type DeliveryReceipt,
  type DownstreamConnector,
} from '@switchboard/downstream';
import { TrytonClient, date, decimal, type TrytonClientOptions } from './tryton-client';
import { TrytonParties } from './tryton-parties';

/** What the connector reads from a `deal_won` (the delivery's `event.data`). */
export interface TrytonDeal {
  dealId: string;
  closeDate: string;
  currency: string;
  taxRatePercent: string;
  notes?: string | null;
  account: { crmAccountId: string; name: string; email: string };
  lines: Array<{ lineNo: number; crmProductId: string; description?: string | null }>;
}

/** The `sales-orders` body erp-orders sends: lines already mapped to ERP item codes and priced. */
type SalesOrderBody = DeliveryOperations['sales-orders']['body'];

interface SaleRecord {
  id: number;
  state: string;
  number: string | null;
  invoices?: number[];
}

interface InvoiceRecord {
  id: number;
  state: string;
  number: string | null;
}

/** The `invoices` body finance-invoicing sends: its own invoice of the deal, priced exactly. */
type InvoiceBody = DeliveryOperations['invoices']['body'];

/**
 * Who makes the customer invoice in Tryton:
 * - `sale` (default): confirming the sale produces it (Tryton's invoice method `order`); finance
 *   posts that invoice, and waits (transient) until erp-orders has confirmed the sale;
 * - `finance`: sales are created with invoice method `manual` (they make no invoice) and finance
 *   creates the invoice itself from the deal, with the deal id as its reference, then posts it. No
 *   waiting on the ERP side: the two consumers are independent.
 */
export type TrytonInvoicing = 'sale' | 'finance';

export interface TrytonConnectorOptions extends TrytonClientOptions {
  invoicing?: TrytonInvoicing;
}

/** Products rarely change; their ids are reused for this long before being looked up again. */
const PRODUCT_CACHE_MS = 5 * 60_000;

/**
 * ERP and finance against Tryton. Idempotent across retries and crashes: the deal id is stored as
 * the sale's `reference` and the account id as the party's `code`, and both are searched before
 * anything is created; quoting, confirming and posting only move records forward from the state
 * they are found in. So a retry after a timeout (Tryton committed, we never heard) finds the sale
 * and finishes it instead of making a second one.
 */
export class TrytonConnector implements DownstreamConnector {
  readonly name: string;
  readonly client: TrytonClient;
  private readonly parties: TrytonParties;
  readonly invoicing: TrytonInvoicing;
  private readonly currencies = new Map<string, number>();
  private readonly taxes = new Map<string, number>();
  private readonly products = new Map<string, { id: number; uom: number; until: number }>();
  private booking: Promise<{ journal: number; receivable: number; revenue: number }> | null = null;

  constructor(options: TrytonConnectorOptions) {
    this.name = options.name;
    this.invoicing = options.invoicing ?? 'sale';
    this.client = new TrytonClient(options);
    this.parties = new TrytonParties(this.client);
  }

  async deliver(delivery: Delivery): Promise<DeliveryReceipt> {
    switch (delivery.operation) {
      case 'sales-orders':
        if (!delivery.event) throw this.refuse('sales-orders needs the deal_won event');
        return this.createSale(delivery.event.data, delivery.body);
      case 'invoices':
        if (this.invoicing === 'sale') return this.postInvoice(delivery.body.dealId);
        if (!delivery.event) throw this.refuse('invoices needs the deal_won event');
        return this.createInvoice(delivery.event.data, delivery.body);
      case 'customers':
        return this.parties.apply(delivery.body);
      case 'tickets':
      case 'segment-moves':
      case 'address-book-contacts':
        throw this.refuse(`operation ${delivery.operation} is not supported by Tryton`);
    }
  }

  /** The sale of a deal, found by its reference (the deal id). */
  async findSale(dealId: string): Promise<SaleRecord | null> {
    const found = await this.client.model<SaleRecord[]>(
      'sale.sale',
      'search_read',
      [['reference', '=', dealId]],
      0,
      2,
      null,
      ['state', 'number', 'invoices'],
    );
    return found[0] ?? null;
  }

  private async createSale(deal: TrytonDeal, order: SalesOrderBody): Promise<DeliveryReceipt> {
    const existing = await this.findSale(deal.dealId);
    if (existing) return this.advanceSale(existing);

    // Everything that can refuse the deal is checked before anything is written.
    const products = await this.productsFor(order.lines, deal);
    const currency = await this.currencyId(deal.currency);
    const tax = await this.taxId(deal.taxRatePercent);
    const party = await this.findOrCreateParty(deal.account);

    const [saleId] = await this.client.model<number[]>('sale.sale', 'create', [
      {
        party: party.id,
        invoice_address: party.address,
        shipment_address: party.address,
        currency,
        sale_date: date(deal.closeDate),
        reference: deal.dealId,
        invoice_method: this.invoicing === 'finance' ? 'manual' : 'order',
        description: `Deal ${deal.dealId}`.slice(0, 100),
        comment: deal.notes ?? null,
        lines: [
          [
            'create',
            order.lines.map((line, index) => {
              const product = products.get(line.itemCode)!;
              return {
                type: 'line',
                sequence: line.lineNo,
                product: product.id,
                unit: product.uom,
                quantity: Number(line.quantity),
                unit_price: decimal(netUnitPrice(line)),
                description: deal.lines[index]?.description ?? line.itemCode,
                taxes: tax === null ? [] : [['add', [tax]]],
              };
            }),
          ],
        ],
      },
    ]);
    return this.advanceSale({ id: saleId, state: 'draft', number: null });
  }

  /** draft -> quotation -> confirmed (Tryton then processes it and drafts the invoice). */
  private async advanceSale(sale: SaleRecord): Promise<DeliveryReceipt> {
    if (sale.state === 'cancelled') throw this.refuse(`sale ${sale.id} is cancelled in Tryton`);
    if (sale.state === 'draft') await this.client.model('sale.sale', 'quote', [sale.id]);
    if (sale.state === 'draft' || sale.state === 'quotation') {
      await this.client.model('sale.sale', 'confirm', [sale.id]);
    }
    const [read] = await this.client.model<SaleRecord[]>('sale.sale', 'read', [sale.id], ['number']);
    return { externalId: read?.number ?? String(sale.id) };
  }

  /** Posts the invoice the confirmed sale produced; waits (transient) until erp-orders made it. */
  private async postInvoice(dealId: string): Promise<DeliveryReceipt> {
    const sale = await this.findSale(dealId);
    if (!sale || !['processing', 'done'].includes(sale.state) || !sale.invoices?.length) {
      throw new DownstreamError(
        'transient',
        this.name,
        `${this.name}: no confirmed Tryton sale with an invoice for deal ${dealId} yet`,
      );
    }
    const invoices = await this.client.model<InvoiceRecord[]>('account.invoice', 'read', sale.invoices, [
      'state',
      'number',
    ]);
    const toPost = invoices.filter((invoice) => ['draft', 'validated'].includes(invoice.state));
    if (toPost.length > 0) {
      await this.client.model(
        'account.invoice',
        'post',
        toPost.map((invoice) => invoice.id),
      );
    }
    const posted = await this.client.model<InvoiceRecord[]>('account.invoice', 'read', sale.invoices, [
      'number',
    ]);
    return { externalId: posted.map((invoice) => invoice.number).join(',') || null };
  }

  /** Finance's own customer invoice of the deal, found by its reference (the deal id). */
  async findInvoice(dealId: string): Promise<(InvoiceRecord & { lines: number[] }) | null> {
    const [found] = await this.client.model<Array<InvoiceRecord & { lines: number[] }>>(
      'account.invoice',
      'search_read',
      [
        ['reference', '=', dealId],
        ['type', '=', 'out'],
      ],
      0,
      1,
      null,
      ['state', 'number', 'lines'],
    );
    return found ?? null;
  }

  /**
   * Finance-owned invoicing: the invoice is created from the deal (reference = deal id), its lines
   * added in a second write (Tryton computes the taxes of a draft invoice when it is written, not
   * when it is created), then posted. A retry resumes from what it finds: an invoice without lines
   * gets them, a draft one is posted, a posted one is left alone.
   */
  private async createInvoice(deal: TrytonDeal, body: InvoiceBody): Promise<DeliveryReceipt> {
    const { lines } = body;
    if (lines.length === 0) throw this.refuse(`invoice of deal ${deal.dealId} has no lines`);
    let invoice = await this.findInvoice(deal.dealId);
    if (!invoice) {
      // Everything that can refuse the deal is checked before anything is written.
      const currency = await this.currencyId(deal.currency);
      await this.taxId(deal.taxRatePercent);
      const books = await this.books();
      const party = await this.findOrCreateParty(deal.account);
      // The party's own receivable account, else the company default (what Tryton itself uses).
      const [read] = await this.client.model<Array<{ account_receivable: number | null }>>(
        'party.party',
        'read',
        [party.id],
        ['account_receivable'],
      );
      const receivable = read?.account_receivable ?? books.receivable;
      const [id] = await this.client.model<number[]>('account.invoice', 'create', [
        {
          type: 'out',
          party: party.id,
          invoice_address: party.address,
          currency,
          journal: books.journal,
          account: receivable,
          reference: deal.dealId,
          description: `Deal ${deal.dealId}`.slice(0, 100),
          comment: deal.notes ?? null,
        },
      ]);
      invoice = { id, state: 'draft', number: null, lines: [] };
    }
    if (invoice.state === 'cancelled') throw this.refuse(`invoice ${invoice.id} is cancelled in Tryton`);
    if (invoice.state === 'draft' && invoice.lines.length === 0) {
      const currency = await this.currencyId(deal.currency);
      const tax = await this.taxId(deal.taxRatePercent);
      const { revenue: account } = await this.books();
      await this.client.model('account.invoice', 'write', [invoice.id], {
        lines: [
          [
            'create',
            lines.map((line) => ({
              type: 'line',
              sequence: line.lineNo,
              description: line.description,
              quantity: Number(line.quantity),
              unit_price: decimal(netUnitPrice(line)),
              account,
              currency,
              taxes: tax === null ? [] : [['add', [tax]]],
            })),
          ],
        ],
      });
    }
    if (['draft', 'validated'].includes(invoice.state)) {
      await this.client.model('account.invoice', 'post', [invoice.id]);
    }
    const [posted] = await this.client.model<InvoiceRecord[]>(
      'account.invoice',
      'read',
      [invoice.id],
      ['number'],
    );
    return { externalId: posted?.number ?? String(invoice.id) };
  }

  /**
   * Where finance books a customer invoice: the first revenue journal, and the receivable and
   * revenue accounts Tryton's accounting configuration gives new parties and product categories.
   */
  private books(): Promise<{ journal: number; receivable: number; revenue: number }> {
    this.booking ??= (async () => {
      const [journal] = await this.client.model<number[]>(
        'account.journal',
        'search',
        [['type', '=', 'revenue']],
        0,
        1,
      );
      const [config] = await this.client.model<
        Array<{ default_account_receivable: number | null; default_category_account_revenue: number | null }>
      >(
        'account.configuration',
        'read',
        [1],
        ['default_account_receivable', 'default_category_account_revenue'],
      );
      const receivable = config?.default_account_receivable;
      const revenue = config?.default_category_account_revenue;
      if (journal === undefined || !receivable || !revenue) {
        throw this.refuse(
          'finance-owned invoicing needs a revenue journal and default receivable and revenue accounts in Tryton',
        );
      }
      return { journal, receivable, revenue };
    })().catch((error: unknown) => {
      this.booking = null;
      throw error;
    });
    return this.booking;
  }

  /** Tryton's product for every item code of the order; refuses the deal naming what is missing. */
  private async productsFor(
    lines: SalesOrderBody['lines'],
    deal: TrytonDeal,
  ): Promise<Map<string, { id: number; uom: number }>> {
    const now = Date.now();
    const codes = [...new Set(lines.map((line) => line.itemCode))];
    const unknown = codes.filter((code) => (this.products.get(code)?.until ?? 0) <= now);
    if (unknown.length > 0) {
      const found = await this.client.model<Array<{ id: number; code: string; default_uom: number }>>(
        'product.product',
        'search_read',
        [['code', 'in', unknown]],
        0,
        null,
        null,
        ['code', 'default_uom'],
      );
      for (const product of found) {
        this.products.set(product.code, {
          id: product.id,
          uom: product.default_uom,
          until: now + PRODUCT_CACHE_MS,
        });
      }
    }
    const missing = lines.filter((line) => (this.products.get(line.itemCode)?.until ?? 0) <= now);
    if (missing.length > 0) {
      const named = missing.map((line) => {
        const crm = deal.lines.find((dealLine) => dealLine.lineNo === line.lineNo)?.crmProductId;
        return `${line.itemCode}${crm ? ` (CRM product ${crm})` : ''}`;
      });
      throw this.refuse(`no Tryton product for ${[...new Set(named)].join(', ')}`);
    }
    return new Map(codes.map((code) => [code, this.products.get(code)!]));
  }

  private async currencyId(code: string): Promise<number> {
    const cached = this.currencies.get(code);
    if (cached !== undefined) return cached;
    const [id] = await this.client.model<number[]>('currency.currency', 'search', [['code', '=', code]]);
    if (id === undefined) throw this.refuse(`Tryton knows no currency ${code}`);
    this.currencies.set(code, id);
    return id;
  }

  /** The VAT tax whose rate equals the deal's; a 0 % deal carries no tax. */
  private async taxId(ratePercent: string): Promise<number | null> {
    if (new Decimal(ratePercent).isZero()) return null;
    const cached = this.taxes.get(ratePercent);
    if (cached !== undefined) return cached;
    const [id] = await this.client.model<number[]>('account.tax', 'search', [
      ['rate', '=', decimal(new Decimal(ratePercent).dividedBy(100).toFixed())],
      ['type', '=', 'percentage'],
      ['parent', '=', null],
    ]);
    if (id === undefined) throw this.refuse(`Tryton has no ${ratePercent} % tax`);
    this.taxes.set(ratePercent, id);
    return id;
  }

  /** The customer party, found by its code (the CRM account id) or created once. */
  async findOrCreateParty(account: TrytonDeal['account']): Promise<{ id: number; address: number }> {
    // Oldest first: while a racing duplicate still exists (see TrytonParties.createOnce), everyone
    // takes the party that keeps the code.
    const [existing] = await this.client.model<Array<{ id: number; addresses: number[] }>>(
      'party.party',
      'search_read',
      [['code', '=', account.crmAccountId]],
      0,
      1,
      [['id', 'ASC']],
      ['addresses'],
    );
    const party =
      existing ??
      (
        await this.client.model<Array<{ id: number; addresses: number[] }>>(
          'party.party',
          'read',
          [
            await this.parties.createOnce(account.crmAccountId, {
              name: account.name,
              addresses: [['create', [{}]]],
              contact_mechanisms: [['create', [{ type: 'email', value: account.email }]]],
            }),
          ],
          ['addresses'],
        )
      )[0];
    if (!party) throw new DownstreamError('transient', this.name, `${this.name}: party vanished`);
    if (party.addresses.length > 0) return { id: party.id, address: party.addresses[0] };
    const [address] = await this.client.model<number[]>('party.address', 'create', [{ party: party.id }]);
    return { id: party.id, address };
  }

  private refuse(reason: string): DownstreamError {
    return new DownstreamError('validation', this.name, `${this.name}: ${reason}`);
  }
}

/**
 * Tryton 6.0 sales have no discount column, so the line's unit price is the net one:
 * unitPrice × (1 − discount/100), at most 4 decimals (Tryton's price digits). quantity × that price
 * is then the line total we priced, so Tryton's totals equal ours.
 */
export function netUnitPrice(line: { unitPrice: string; discountPercent: string }): string {
  const net = new Decimal(line.unitPrice).times(new Decimal(100).minus(line.discountPercent)).dividedBy(100);
  return net.toDecimalPlaces(4, Decimal.ROUND_HALF_EVEN).toFixed();
}
