import {
  opportunityDealWon,
  opportunityWonEventId,
  type OpportunitySnapshot,
} from './tryton-crm-opportunities';

const won = (overrides: Partial<OpportunitySnapshot> = {}): OpportunitySnapshot => ({
  id: 42,
  state: 'won',
  changedAt: '2026-12-06T10:00:00.123456Z',
  owner: { employeeId: 1, name: 'Anna Bianchi', login: 'sales.anna' },
  creator: { login: 'sales.anna', groups: ['Sales'] },
  account: {
    code: 'ACC-7',
    name: 'Lago Blu S.r.l.',
    email: 'ap@lagoblu.example',
    vatNumber: null,
    country: 'IT',
  },
  contact: { id: 9, name: 'Paola Maria Neri', email: 'paola@lagoblu.example' },
  endDate: '2026-12-06',
  description: 'Two licences',
  currency: 'EUR',
  lines: [
    { productCode: 'SKU-001', description: 'Licence', quantity: 2, unitPrice: '100.5000' },
    { productCode: 'SKU-002', description: null, quantity: 1.5, unitPrice: '30.0000' },
  ],
  ...overrides,
});

describe('opportunityDealWon', () => {
  it('makes the deal of a won opportunity: its sale lines and prices, account, contact and owner', () => {
    const result = opportunityDealWon(won(), '19');
    if (!result.ok) throw new Error(`refused: ${result.fields.join(', ')}`);
    expect(result.event.id).toBe('crm-opportunity-42-won');
    expect(result.event.type).toBe('deal_won');
    expect(result.event.data).toMatchObject({
      dealId: 'CRM-OPP-42',
      account: {
        crmAccountId: 'ACC-7',
        name: 'Lago Blu S.r.l.',
        email: 'ap@lagoblu.example',
        isProspect: true,
      },
      contact: {
        crmContactId: 'CM-9',
        email: 'paola@lagoblu.example',
        firstName: 'Paola Maria',
        lastName: 'Neri',
      },
      owner: { crmUserId: 'sales.anna', name: 'Anna Bianchi' },
      closeDate: '2026-12-06',
      currency: 'EUR',
      taxRatePercent: '19',
      lines: [
        { lineNo: 1, crmProductId: 'SKU-001', quantity: '2', unitPrice: '100.5', description: 'Licence' },
        { lineNo: 2, crmProductId: 'SKU-002', quantity: '1.5', unitPrice: '30', description: null },
      ],
    });
  });

  it('the event id depends on the opportunity only: read again, later or by another leader, it is the same', () => {
    const first = opportunityDealWon(won(), '19');
    const later = opportunityDealWon(won({ changedAt: '2026-12-07T08:00:00.000000Z' }), '19');
    expect(first.ok && later.ok && first.event.id === later.event.id).toBe(true);
    expect(opportunityWonEventId(42)).toBe('crm-opportunity-42-won');
  });

  it('takes the account e-mail for a contact that is a phone number', () => {
    const result = opportunityDealWon(won({ contact: { id: 9, name: null, email: null } }), '0');
    expect(result.ok && result.event.data.contact).toMatchObject({
      crmContactId: 'CM-9',
      email: 'ap@lagoblu.example',
    });
  });

  it('names the fields that keep an opportunity from being a deal, never their values', () => {
    const result = opportunityDealWon(
      won({
        lines: [],
        owner: { employeeId: 3, name: 'Nobody', login: null },
        account: { code: 'ACC-7', name: 'Lago Blu', email: null, vatNumber: null, country: null },
        contact: null,
      }),
      '19',
    );
    expect(result).toEqual({
      ok: false,
      fields: expect.arrayContaining(['lines', 'owner.crmUserId', 'account.email']) as string[],
    });
    expect(JSON.stringify(result)).not.toContain('Lago Blu');
  });

  it('refuses a price with more decimals than the currency has', () => {
    const result = opportunityDealWon(
      won({ lines: [{ productCode: 'SKU-001', description: null, quantity: 1, unitPrice: '10.1234' }] }),
      '19',
    );
    expect(result).toEqual({ ok: false, fields: ['lines[0].unitPrice'] });
  });
});
