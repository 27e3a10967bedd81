import { priceDeal, type DealWonV1 } from '@switchboard/contracts';
import type { DeliveryOf } from '@switchboard/downstream';

/**
 * The deliveries erp-orders, finance-invoicing and support-onboarding make for a won deal, for
 * driving the real systems' connectors directly (tests, bench/real-systems.ts). The numbers are
 * placeholders a service would take from its own tables; `itemCode` maps a deal line as the ERP's
 * item mapping does.
 */
export function dealDeliveries(
  deal: DealWonV1,
  itemCode: (line: DealWonV1['lines'][number]) => string = (line) => `ITM-${1000 + line.lineNo}`,
): {
  order: DeliveryOf<'sales-orders'>;
  invoice: DeliveryOf<'invoices'>;
  ticket: DeliveryOf<'tickets'>;
} {
  const priced = priceDeal(deal);
  const event = { id: `evt-${deal.dealId}`, type: 'deal_won' as const, data: deal };
  const crmAccountId = deal.account.crmAccountId;
  return {
    order: {
      operation: 'sales-orders',
      idempotencyKey: event.id,
      event,
      body: {
        dealId: deal.dealId,
        orderNumber: `SO-${deal.dealId}`,
        erpCustomerNumber: `C-${crmAccountId}`,
        customerCreated: false,
        currency: deal.currency,
        netTotal: priced.netTotal,
        lines: priced.lines.map((line, index) => ({ ...line, itemCode: itemCode(deal.lines[index]) })),
      },
    },
    // Its own invoice's lines go along: used when finance owns invoicing.
    invoice: {
      operation: 'invoices',
      idempotencyKey: event.id,
      event,
      body: {
        dealId: deal.dealId,
        invoiceNumber: `INV-${deal.dealId}`,
        crmAccountId,
        currency: deal.currency,
        netTotal: priced.netTotal,
        taxTotal: priced.taxTotal,
        grossTotal: priced.grossTotal,
        lines: priced.lines.map((line, index) => ({
          ...line,
          description: deal.lines[index].description ?? deal.lines[index].crmProductId,
        })),
      },
    },
    ticket: {
      operation: 'tickets',
      idempotencyKey: event.id,
      event,
      body: {
        dealId: deal.dealId,
        ticketNumber: `T-${deal.dealId}`,
        crmAccountId,
        subject: `Onboarding: ${deal.account.name}`,
      },
    },
  };
}
