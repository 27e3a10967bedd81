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

interface PartyRecord {
  id: number;
  addresses: number[];
  account_receivable?: number | null;
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
        return (await this.createSales([{ deal: delivery.event.data, order: delivery.body }]))[0];
      case 'invoices':
        if (this.invoicing === 'sale') return this.postInvoice(delivery.body.dealId);
        if (!delivery.event) throw this.refuse('invoices needs the deal_won event');
        return (await this.createInvoices([{ deal: delivery.event.data, body: delivery.body }]))[0];
      case 'customers':
        return this.parties.apply(delivery.body);
      case 'tickets':
      case 'segment-moves':
      case 'address-book-contacts':
        throw this.refuse(`operation ${delivery.operation} is not supported by Tryton`);
    }
  }

  /**
   * Several deals' sales, or finance's invoices, at once: the look-ups, the workflow steps (quote,
   * confirm, post) and the read-back are one Tryton call for all of them, where one deal at a time
   * makes each call per deal; creates and invoice lines stay one call per record. Tryton runs each call in one transaction, so a refused record
   * fails the call for all; the caller (the inbox) then delivers them one at a time, and `deliver`
   * resumes each from what it finds by its reference.
   */
  async deliverAll(deliveries: Delivery[]): Promise<DeliveryReceipt[]> {
    const sales = deliveries.flatMap((delivery) =>
      delivery.operation === 'sales-orders' && delivery.event
        ? [{ deal: delivery.event.data, order: delivery.body }]
        : [],
    );
    const invoices = deliveries.flatMap((delivery) =>
      delivery.operation === 'invoices' && delivery.event && this.invoicing === 'finance'
        ? [{ deal: delivery.event.data, body: delivery.body }]
        : [],
    );
    // One deal twice would be looked up before either is made: that one call at a time.
    const distinct = (items: Array<{ deal: TrytonDeal }>) =>
      items.length === deliveries.length &&
      new Set(items.map(({ deal }) => deal.dealId)).size === items.length;
    if (distinct(sales)) return this.createSales(sales);
    if (distinct(invoices)) return this.createInvoices(invoices);
    const receipts: DeliveryReceipt[] = [];
    for (const delivery of deliveries) receipts.push(await this.deliver(delivery));
    return receipts;
  }

  /**
   * The sale of a deal, found by its reference (the deal id). Its `invoices` (a function field
   * Tryton computes from the sale's lines) are read only when finance posts the sale's invoice.
   */
  async findSale(dealId: string): Promise<SaleRecord | null> {
    const found = await this.client.model<SaleRecord[]>(
      'sale.sale',
      'search_read',
      [['reference', '=', dealId]],
      0,
      2,
      null,
      this.invoicing === 'sale' ? ['state', 'number', 'invoices'] : ['state', 'number'],
    );
    return found[0] ?? null;
  }

  /** The deals' sales, found by reference or created, then confirmed; receipts in their order. */
  private async createSales(
    items: Array<{ deal: TrytonDeal; order: SalesOrderBody }>,
  ): Promise<DeliveryReceipt[]> {
    const found = await this.client.model<Array<SaleRecord & { reference: string }>>(
      'sale.sale',
      'search_read',
      [['reference', 'in', items.map(({ deal }) => deal.dealId)]],
      0,
      null,
      null,
      ['reference', 'state', 'number'],
    );
    const sales = new Map<string, SaleRecord>();
    for (const sale of found) if (!sales.has(sale.reference)) sales.set(sale.reference, sale);
    const missing = items.filter(({ deal }) => !sales.has(deal.dealId));
    if (missing.length > 0) {
      // Everything that can refuse a deal is checked, for every deal, before anything is written.
      const checked = [];
      for (const { deal, order } of missing) {
        const products = await this.productsFor(order.lines, deal);
        const currency = await this.currencyId(deal.currency);
        const tax = await this.taxId(deal.taxRatePercent);
        checked.push({ deal, order, products, currency, tax });
      }
      const parties = await this.partiesFor(missing.map(({ deal }) => deal.account));
      // One create per sale: a create is the one step a retry cannot tell from its effect until
      // Tryton has committed it, so it stays as short as it was (a retry after a timeout must find
      // the sale, not race a create still running).
      for (const sale of checked) {
        const values = this.saleValues(sale, parties.get(sale.deal.account.crmAccountId)!);
        const [id] = await this.client.model<number[]>('sale.sale', 'create', [values]);
        sales.set(sale.deal.dealId, { id, state: 'draft', number: null });
      }
    }
    return this.advanceSales(items.map(({ deal }) => sales.get(deal.dealId)!));
  }

  /** A new sale of the deal, as `sale.sale.create` takes it. */
  private saleValues(
    {
      deal,
      order,
      products,
      currency,
      tax,
    }: {
      deal: TrytonDeal;
      order: SalesOrderBody;
      products: Map<string, { id: number; uom: number }>;
      currency: number;
      tax: number | null;
    },
    party: { id: number; address: number },
  ): Record<string, unknown> {
    return {
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
    };
  }

  /** draft -> quotation -> confirmed (Tryton then processes them), each step one call for all. */
  private async advanceSales(sales: SaleRecord[]): Promise<DeliveryReceipt[]> {
    const cancelled = sales.find((sale) => sale.state === 'cancelled');
    if (cancelled) throw this.refuse(`sale ${cancelled.id} is cancelled in Tryton`);
    const drafts = sales.filter((sale) => sale.state === 'draft').map((sale) => sale.id);
    if (drafts.length > 0) await this.client.model('sale.sale', 'quote', drafts);
    const quoted = sales.filter((sale) => ['draft', 'quotation'].includes(sale.state)).map((sale) => sale.id);
    if (quoted.length > 0) await this.client.model('sale.sale', 'confirm', quoted);
    const read = await this.client.model<Array<{ id: number; number: string | null }>>(
      'sale.sale',
      'read',
      sales.map((sale) => sale.id),
      ['number'],
    );
    const numbers = new Map(read.map((sale) => [sale.id, sale.number]));
    return sales.map((sale) => ({ externalId: numbers.get(sale.id) ?? String(sale.id) }));
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

  /**
   * Finance-owned invoicing: each deal's invoice is found by its reference (the deal id) or created
   * from the deal, its lines added in a second write (Tryton computes the taxes of a draft invoice
   * when it is written, not when it is created), then posted, all of them in one call.
   * A retry resumes from what it finds: an invoice without lines gets them, a draft one is posted,
   * a posted one is left alone.
   */
  private async createInvoices(
    items: Array<{ deal: TrytonDeal; body: InvoiceBody }>,
  ): Promise<DeliveryReceipt[]> {
    const empty = items.find(({ body }) => body.lines.length === 0);
    if (empty) throw this.refuse(`invoice of deal ${empty.deal.dealId} has no lines`);
    const found = await this.client.model<Array<InvoiceRecord & { reference: string; lines: number[] }>>(
      'account.invoice',
      'search_read',
      [
        ['reference', 'in', items.map(({ deal }) => deal.dealId)],
        ['type', '=', 'out'],
      ],
      0,
      null,
      null,
      ['reference', 'state', 'number', 'lines'],
    );
    const invoices = new Map<string, InvoiceRecord & { lines: number[] }>();
    for (const invoice of found)
      if (!invoices.has(invoice.reference)) invoices.set(invoice.reference, invoice);
    const missing = items.filter(({ deal }) => !invoices.has(deal.dealId));
    if (missing.length > 0) {
      // Everything that can refuse a deal is checked, for every deal, before anything is written.
      const books = await this.books();
      const currencies: number[] = [];
      for (const { deal } of missing) {
        currencies.push(await this.currencyId(deal.currency));
        await this.taxId(deal.taxRatePercent);
      }
      const parties = await this.partiesFor(
        missing.map(({ deal }) => deal.account),
        { receivable: true },
      );
      const values = missing.map(({ deal }, at) => {
        const party = parties.get(deal.account.crmAccountId)!;
        return {
          type: 'out',
          party: party.id,
          invoice_address: party.address,
          currency: currencies[at],
          journal: books.journal,
          // The party's own receivable account, else the company default (what Tryton itself uses).
          account: party.receivable ?? books.receivable,
          reference: deal.dealId,
          description: `Deal ${deal.dealId}`.slice(0, 100),
          comment: deal.notes ?? null,
        };
      });
      // One create per invoice, as for sales.
      for (const [at, { deal }] of missing.entries()) {
        const [id] = await this.client.model<number[]>('account.invoice', 'create', [values[at]]);
        invoices.set(deal.dealId, { id, state: 'draft', number: null, lines: [] });
      }
    }
    const ordered = items.map(({ deal, body }) => ({ deal, body, invoice: invoices.get(deal.dealId)! }));
    const cancelled = ordered.find(({ invoice }) => invoice.state === 'cancelled');
    if (cancelled) throw this.refuse(`invoice ${cancelled.invoice.id} is cancelled in Tryton`);
    // The lines one invoice per call, like the create: until Tryton has committed them, a retry
    // finds the invoice without lines.
    for (const { deal, body, invoice } of ordered) {
      if (invoice.state !== 'draft' || invoice.lines.length > 0) continue;
      const currency = await this.currencyId(deal.currency);
      const tax = await this.taxId(deal.taxRatePercent);
      const { revenue: account } = await this.books();
      await this.client.model('account.invoice', 'write', [invoice.id], {
        lines: [
          [
            'create',
            body.lines.map((line) => ({
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
    const toPost = ordered
      .filter(({ invoice }) => ['draft', 'validated'].includes(invoice.state))
      .map(({ invoice }) => invoice.id);
    if (toPost.length > 0) await this.client.model('account.invoice', 'post', toPost);
    const posted = await this.client.model<InvoiceRecord[]>(
      'account.invoice',
      'read',
      ordered.map(({ invoice }) => invoice.id),
      ['number'],
    );
    const numbers = new Map(posted.map((invoice) => [invoice.id, invoice.number]));
    return ordered.map(({ invoice }) => ({ externalId: numbers.get(invoice.id) ?? String(invoice.id) }));
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

  /**
   * The parties of several accounts by their code, looked up in one call; an account without a
   * party (or a party without an address) goes through `findOrCreateParty`.
   */
  private async partiesFor(
    accounts: Array<TrytonDeal['account']>,
    { receivable: withReceivable = false } = {},
  ): Promise<Map<string, { id: number; address: number; receivable: number | null }>> {
    const found = await this.client.model<Array<PartyRecord & { code: string }>>(
      'party.party',
      'search_read',
      [['code', 'in', accounts.map((account) => account.crmAccountId)]],
      0,
      null,
      // Oldest first, as findOrCreateParty takes them.
      [['id', 'ASC']],
      withReceivable ? ['code', 'addresses', 'account_receivable'] : ['code', 'addresses'],
    );
    await this.parties.retireDuplicates(found);
    const parties = new Map<string, { id: number; address: number; receivable: number | null }>();
    const seen = new Set<string>();
    for (const party of found) {
      if (seen.has(party.code)) continue;
      seen.add(party.code);
      if (party.addresses.length === 0) continue;
      parties.set(party.code, {
        id: party.id,
        address: party.addresses[0],
        receivable: party.account_receivable ?? null,
      });
    }
    for (const account of accounts) {
      if (parties.has(account.crmAccountId)) continue;
      parties.set(
        account.crmAccountId,
        await this.findOrCreateParty(account, { receivable: withReceivable }),
      );
    }
    return parties;
  }

  /**
   * The customer party, found by its code (the CRM account id) or created once, with its first
   * address and, when asked, its own receivable account (read in the same call: finance books the
   * invoice on it).
   */
  async findOrCreateParty(
    account: TrytonDeal['account'],
    { receivable: withReceivable = false } = {},
  ): Promise<{ id: number; address: number; receivable: number | null }> {
    const fields = withReceivable ? ['addresses', 'account_receivable'] : ['addresses'];
    // Oldest first: while a racing duplicate still exists (see TrytonParties.createOnce), everyone
    // takes the party that keeps the code.
    const found = await this.client.model<Array<PartyRecord & { code: string }>>(
      'party.party',
      'search_read',
      [['code', '=', account.crmAccountId]],
      0,
      null,
      [['id', 'ASC']],
      ['code', ...fields],
    );
    await this.parties.retireDuplicates(found);
    const [existing] = found;
    const party =
      existing ??
      (
        await this.client.model<PartyRecord[]>(
          'party.party',
          'read',
          [
            await this.parties.createOnce(account.crmAccountId, {
              name: account.name,
              addresses: [['create', [{}]]],
              contact_mechanisms: [['create', [{ type: 'email', value: account.email }]]],
            }),
          ],
          fields,
        )
      )[0];
    if (!party) throw new DownstreamError('transient', this.name, `${this.name}: party vanished`);
    const receivable = party.account_receivable ?? null;
    if (party.addresses.length > 0) return { id: party.id, address: party.addresses[0], receivable };
    const [address] = await this.client.model<number[]>('party.address', 'create', [{ party: party.id }]);
    return { id: party.id, address, receivable };
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
