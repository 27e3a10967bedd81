import { Decimal, roundMoney } from './money';
import type { DealWonV1 } from './payloads/deal-won.v1';

export interface PricedLine {
  lineNo: number;
  quantity: string;
  unitPrice: string;
  /** '0' when the deal line had none. */
  discountPercent: string;
  /** quantity × unitPrice × (1 − discount/100), rounded half-even to the currency's minor units. */
  lineTotal: string;
}

export interface PricedDeal {
  currency: string;
  lines: PricedLine[];
  /** Sum of the rounded line totals, so it always equals what the documents list line by line. */
  netTotal: string;
  /** netTotal × taxRatePercent / 100, rounded once on the total. */
  taxTotal: string;
  grossTotal: string;
}

/**
 * The one pricing rule every system applies to a won deal, in exact decimal arithmetic, so the ERP order
 * and the finance invoice can never disagree by a cent.
 */
export function priceDeal(deal: Pick<DealWonV1, 'currency' | 'lines' | 'taxRatePercent'>): PricedDeal {
  const lines = deal.lines.map((line): PricedLine => {
    const discountPercent = line.discountPercent ?? '0';
    const gross = new Decimal(line.quantity).times(line.unitPrice);
    const net = gross.minus(gross.times(discountPercent).dividedBy(100));
    return {
      lineNo: line.lineNo,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      discountPercent,
      lineTotal: roundMoney(net, deal.currency),
    };
  });
  const net = lines.reduce((sum, line) => sum.plus(line.lineTotal), new Decimal(0));
  const taxTotal = roundMoney(net.times(deal.taxRatePercent).dividedBy(100), deal.currency);
  return {
    currency: deal.currency,
    lines,
    netTotal: roundMoney(net, deal.currency),
    taxTotal,
    grossTotal: roundMoney(net.plus(taxTotal), deal.currency),
  };
}
