import type { DealWonV1 } from '@switchboard/contracts';

export interface SampleDealOptions {
  dealId: string;
  currency?: string;
  lines?: DealWonV1['lines'];
  taxRatePercent?: string;
  account?: Partial<DealWonV1['account']>;
  contact?: Partial<DealWonV1['contact']>;
  notes?: string;
}

/** A realistic won deal on the development catalogue (CRM products SKU-001..SKU-020 are mapped). */
export function sampleDeal(options: SampleDealOptions): DealWonV1 {
  const { dealId } = options;
  return {
    dealId,
    account: {
      crmAccountId: `ACC-${dealId}`,
      name: 'Müller & Søn GmbH',
      email: `billing+${dealId.toLowerCase()}@example.com`,
      vatNumber: 'DE123456789',
      country: 'DE',
      isProspect: true,
      ...options.account,
    },
    contact: {
      crmContactId: `CON-${dealId}`,
      email: `anna+${dealId.toLowerCase()}@example.com`,
      firstName: 'Anna',
      lastName: 'Müller',
      ...options.contact,
    },
    owner: { crmUserId: 'USR-42', name: 'Sam Seller', email: 'sam@example.com' },
    closeDate: '2026-11-20',
    currency: options.currency ?? 'EUR',
    taxRatePercent: options.taxRatePercent ?? '19',
    lines: options.lines ?? [
      {
        lineNo: 1,
        crmProductId: 'SKU-001',
        description: 'Platform licence',
        quantity: '3',
        unitPrice: '1200.00',
        discountPercent: '10',
      },
      {
        lineNo: 2,
        crmProductId: 'SKU-002',
        description: 'Onboarding workshop',
        quantity: '1',
        unitPrice: '850.50',
      },
    ],
    notes: options.notes,
  };
}
