/* eslint-disable @typescript-eslint/no-explicit-any -- the tests bend examples into invalid shapes on purpose */
import { EVENT_CATALOG, type EventMap } from './catalog';
import { EVENT_TYPES, type EventType } from './event-type';
import { ContractViolation, validatePayload, type FieldError } from './validation';

function example<T extends EventType>(type: T): Record<string, any> {
  return structuredClone(EVENT_CATALOG[type].example) as Record<string, any>;
}

function violations(type: EventType, data: unknown): FieldError[] {
  try {
    validatePayload(type, data);
  } catch (error) {
    if (error instanceof ContractViolation) return error.errors;
    throw error;
  }
  throw new Error('expected a ContractViolation');
}

function fieldsOf(type: EventType, data: unknown): string[] {
  return violations(type, data).map((e) => e.field);
}

function deal(mutate: (d: Record<string, any>) => void): Record<string, any> {
  const d = example('deal_won');
  mutate(d);
  return d;
}

describe('validatePayload', () => {
  it.each(EVENT_TYPES)('accepts the catalog example of %s', (type) => {
    const result = validatePayload(type, example(type));
    expect(result).toEqual(EVENT_CATALOG[type].example);
  });

  it('returns the validated JSON itself and leaves absent optional fields absent', () => {
    const data = example('deal_won');
    const result: EventMap['deal_won'] = validatePayload('deal_won', data);
    expect(result).toBe(data);
    expect('description' in result.lines[1]).toBe(false);
    expect('discountPercent' in result.lines[1]).toBe(false);
  });

  it('accepts null for optional fields and keeps it (a cleared value)', () => {
    const data = example('customer_updated');
    data.fields = { phone: null, billingAddress: null, leadScore: null };
    data.deleted = null;
    const result = validatePayload('customer_updated', data);
    expect(result.fields).toEqual({ phone: null, billingAddress: null, leadScore: null });
    expect('name' in result.fields).toBe(false);
  });

  describe('money amounts follow the currency minor units', () => {
    it('rejects 12.345 for EUR on the deal line, using the deal currency', () => {
      const errors = violations(
        'deal_won',
        deal((d) => (d.lines[0].unitPrice = '12.345')),
      );
      expect(errors).toEqual([
        { field: 'lines[0].unitPrice', message: expect.stringContaining('at most 2 decimals for EUR') },
      ]);
    });

    it('rejects 1.5 for JPY', () => {
      const data = deal((d) => {
        d.currency = 'JPY';
        d.lines = [{ lineNo: 1, crmProductId: 'P-1', quantity: '1', unitPrice: '1.5' }];
      });
      expect(fieldsOf('deal_won', data)).toEqual(['lines[0].unitPrice']);
      data.lines[0].unitPrice = '1500';
      expect(validatePayload('deal_won', data).lines[0].unitPrice).toBe('1500');
    });

    it('accepts 12.345 for KWD', () => {
      const data = deal((d) => {
        d.currency = 'KWD';
        d.lines[0].unitPrice = '12.345';
        d.lines[1].unitPrice = '0.005';
      });
      expect(validatePayload('deal_won', data).lines[0].unitPrice).toBe('12.345');
    });

    it('applies to Money via its own currency', () => {
      const data = example('invoice_paid');
      data.amount = { currency: 'EUR', amount: '12.345' };
      expect(fieldsOf('invoice_paid', data)).toEqual(['amount.amount']);
      data.amount = { currency: 'KWD', amount: '12.345' };
      expect(validatePayload('invoice_paid', data).amount).toEqual({ currency: 'KWD', amount: '12.345' });
    });

    it.each([
      ['exponent', '1e3'],
      ['number instead of string', 12.5],
      ['leading plus', '+12.50'],
      ['comma', '12,50'],
      ['bare fraction', '.5'],
      ['trailing dot', '5.'],
      ['leading zeros', '007'],
      ['empty', ''],
    ])('rejects %s', (_, amount) => {
      expect(
        fieldsOf(
          'deal_won',
          deal((d) => (d.lines[1].unitPrice = amount)),
        ),
      ).toEqual(['lines[1].unitPrice']);
    });

    it('rejects an unknown currency on the currency field only', () => {
      expect(
        fieldsOf(
          'deal_won',
          deal((d) => (d.currency = 'EURO')),
        ),
      ).toEqual(['currency']);
      expect(
        fieldsOf(
          'deal_won',
          deal((d) => (d.currency = 'eur')),
        ),
      ).toEqual(['currency']);
    });
  });

  describe('decimal quantities and percentages', () => {
    it.each([
      ['lines[0].quantity', (d: any) => (d.lines[0].quantity = '0')],
      ['lines[0].quantity', (d: any) => (d.lines[0].quantity = '1.00001')],
      ['lines[0].quantity', (d: any) => (d.lines[0].quantity = 2)],
      ['lines[0].discountPercent', (d: any) => (d.lines[0].discountPercent = '100.01')],
      ['lines[0].discountPercent', (d: any) => (d.lines[0].discountPercent = '-1')],
      ['taxRatePercent', (d: any) => (d.taxRatePercent = '19%')],
      ['taxRatePercent', (d: any) => delete d.taxRatePercent],
    ])('names %s', (field, mutate) => {
      expect(fieldsOf('deal_won', deal(mutate))).toEqual([field]);
    });

    it('accepts boundary values', () => {
      const data = deal((d) => {
        d.lines[0].quantity = '0.0001';
        d.lines[0].discountPercent = '100';
        d.taxRatePercent = '0';
      });
      expect(() => validatePayload('deal_won', data)).not.toThrow();
    });
  });

  it('rejects unknown fields at any depth with their path', () => {
    const data = deal((d) => {
      d.foo = 1;
      d.account.bar = 'x';
      d.lines[1].baz = true;
    });
    expect(violations('deal_won', data)).toEqual([
      { field: 'foo', message: 'property foo should not exist' },
      { field: 'account.bar', message: 'property bar should not exist' },
      { field: 'lines[1].baz', message: 'property baz should not exist' },
    ]);
  });

  it.each([
    ['dealId', (d: any) => (d.dealId = '')],
    ['dealId', (d: any) => (d.dealId = '   ')],
    ['dealId', (d: any) => delete d.dealId],
    ['dealId', (d: any) => (d.dealId = 1001)],
    ['account.crmAccountId', (d: any) => (d.account.crmAccountId = null)],
    ['account.email', (d: any) => (d.account.email = 'not-an-email')],
    ['contact.email', (d: any) => (d.contact.email = '')],
    ['owner.email', (d: any) => (d.owner.email = 'sam@')],
    ['account.country', (d: any) => (d.account.country = 'Germany')],
    ['account.country', (d: any) => (d.account.country = 'de')],
    ['account.isProspect', (d: any) => (d.account.isProspect = 'false')],
    ['closeDate', (d: any) => (d.closeDate = '2025-02-30')],
    ['closeDate', (d: any) => (d.closeDate = '14.03.2025')],
    ['closeDate', (d: any) => (d.closeDate = '2025-03-14T00:00:00Z')],
    ['lines', (d: any) => (d.lines = [])],
    ['lines[0].lineNo', (d: any) => (d.lines[0].lineNo = 0)],
    ['lines[0].lineNo', (d: any) => (d.lines[0].lineNo = 1.5)],
    ['notes', (d: any) => (d.notes = 'x'.repeat(20_001))],
    ['contact', (d: any) => delete d.contact],
  ])('names %s', (field, mutate) => {
    expect(fieldsOf('deal_won', deal(mutate))).toContain(field);
    expect(fieldsOf('deal_won', deal(mutate)).every((f) => f === field || f.startsWith(`${field}.`))).toBe(
      true,
    );
  });

  it('says "is required" for a missing required string', () => {
    expect(
      violations(
        'deal_won',
        deal((d) => delete d.dealId),
      ),
    ).toEqual([{ field: 'dealId', message: 'dealId is required' }]);
  });

  it('reports every wrong field at once', () => {
    const data = deal((d) => {
      d.dealId = '';
      d.account.email = 'nope';
      d.lines[0].unitPrice = '1e3';
    });
    expect(fieldsOf('deal_won', data)).toEqual(['dealId', 'account.email', 'lines[0].unitPrice']);
    expect(() => validatePayload('deal_won', data)).toThrow(/dealId.*account\.email.*lines\[0\]\.unitPrice/);
  });

  it('accepts up to 500 lines and no more', () => {
    const line = { lineNo: 1, crmProductId: 'P', quantity: '1', unitPrice: '1.00' };
    const lines = Array.from({ length: 500 }, (_, i) => ({ ...line, lineNo: i + 1 }));
    expect(
      validatePayload(
        'deal_won',
        deal((d) => (d.lines = lines)),
      ).lines,
    ).toHaveLength(500);
    expect(
      fieldsOf(
        'deal_won',
        deal((d) => (d.lines = [...lines, line])),
      ),
    ).toEqual(['lines']);
  });

  it.each([null, 'x', 42, []])('rejects a payload that is not an object: %p', (data) => {
    expect(fieldsOf('deal_won', data)).toEqual(['$']);
  });

  it('rejects an unknown event type', () => {
    expect(fieldsOf('nope' as EventType, {})).toEqual(['type']);
  });

  it('accepts awkward Unicode in text fields', () => {
    const awkward = {
      emoji: '🎉👩🏽‍💻🇩🇪 deal',
      arabic: 'شركة النور للتجارة',
      cjk: '株式会社テスト 北京有限公司',
      quotes: `O'Brien "the \`best\`" «Zitat» ‘x’ \\ </script>`,
    };
    const data = deal((d) => {
      d.account.name = awkward.arabic;
      d.contact.firstName = awkward.emoji;
      d.contact.lastName = awkward.cjk;
      d.lines[0].description = awkward.quotes;
      d.notes = '🎉'.repeat(10_000);
    });
    const result = validatePayload('deal_won', data);
    expect(result.account.name).toBe(awkward.arabic);
    expect(result.contact.firstName).toBe(awkward.emoji);
    expect(result.contact.lastName).toBe(awkward.cjk);
    expect(result.lines[0].description).toBe(awkward.quotes);
    expect(result.notes).toHaveLength(20_000);
    expect(
      validatePayload(
        'deal_won',
        deal((d) => (d.notes = 'ü'.repeat(20_000))),
      ).notes,
    ).toHaveLength(20_000);
  });

  describe('other payloads', () => {
    it.each([
      ['customer_updated', 'system', (d: any) => (d.system = 'sap')],
      ['customer_updated', 'entity', (d: any) => (d.entity = 'lead')],
      ['customer_updated', 'changedAt', (d: any) => (d.changedAt = '2025-03-15 08:12')],
      ['customer_updated', 'fields.leadScore', (d: any) => (d.fields.leadScore = 101)],
      ['customer_updated', 'fields.email', (d: any) => (d.fields.email = 'x@')],
      [
        'customer_updated',
        'fields.billingAddress.country',
        (d: any) => (d.fields.billingAddress.country = 'XX'),
      ],
      ['customer_updated', 'fields.unknown', (d: any) => (d.fields.unknown = 1)],
      ['invoice_paid', 'paidAt', (d: any) => (d.paidAt = '2025-04-02')],
      ['invoice_paid', 'amount.currency', (d: any) => (d.amount.currency = 'XXXX')],
      ['ticket_escalated', 'priority', (d: any) => (d.priority = 'critical')],
      ['ticket_escalated', 'escalatedAt', (d: any) => (d.escalatedAt = '2025-13-03T14:20:00Z')],
      ['sales_order_created', 'lines[1].lineTotal', (d: any) => (d.lines[1].lineTotal = '149.985')],
      ['sales_order_created', 'customerCreated', (d: any) => delete d.customerCreated],
      ['invoice_created', 'grossTotal', (d: any) => (d.grossTotal = 2748.88)],
      ['segment_changed', 'fromSegment', (d: any) => delete d.fromSegment],
      ['segment_changed', 'fromSegment', (d: any) => (d.fromSegment = '')],
    ] as Array<[EventType, string, (d: any) => unknown]>)('%s: names %s', (type, field, mutate) => {
      const data = example(type);
      mutate(data);
      expect(fieldsOf(type, data)).toEqual([field]);
    });

    it('segment_changed accepts fromSegment null (first segment)', () => {
      const data = example('segment_changed');
      data.fromSegment = null;
      expect(validatePayload('segment_changed', data).fromSegment).toBeNull();
    });

    it('customer_updated accepts RFC 3339 offsets and fractions', () => {
      const data = example('customer_updated');
      for (const changedAt of [
        '2025-03-15T08:12:45+05:30',
        '2025-03-15t08:12:45.123456z',
        '2016-12-31T23:59:60Z',
      ]) {
        data.changedAt = changedAt;
        expect(validatePayload('customer_updated', data).changedAt).toBe(changedAt);
      }
    });
  });
});
