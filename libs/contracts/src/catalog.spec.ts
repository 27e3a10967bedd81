import { EVENT_CATALOG, Topic, deadLetterTopic, topicOf } from './catalog';
import { EVENT_TYPES, EventType } from './event-type';

describe('catalog', () => {
  it('has one definition per event type, keyed by its type', () => {
    expect(Object.keys(EVENT_CATALOG).sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) expect(EVENT_CATALOG[type].type).toBe(type);
  });

  it('names one topic per event type and major version', () => {
    expect(topicOf(EventType.DealWon)).toBe('switchboard.deal_won.v1');
    expect(Topic.segment_changed).toBe('switchboard.segment_changed.v1');
    expect(new Set(Object.values(Topic)).size).toBe(EVENT_TYPES.length);
    for (const type of EVENT_TYPES) expect(EVENT_CATALOG[type].topic).toBe(Topic[type]);
  });

  it('only lets source systems publish the source events', () => {
    expect(EVENT_CATALOG.deal_won.publishers).toEqual(['crm']);
    expect(EVENT_CATALOG.invoice_paid.publishers).toEqual(['finance', 'erp']);
    for (const type of [
      'sales_order_created',
      'invoice_created',
      'onboarding_ticket_created',
      'segment_changed',
      'customer_synced',
      'crm_task_requested',
    ] as const) {
      expect(EVENT_CATALOG[type].publishers).toEqual([]);
    }
  });

  it('keys events so one deal or customer stays ordered', () => {
    const keys = Object.fromEntries(
      EVENT_TYPES.map((t) => [t, EVENT_CATALOG[t].aggregateKey(EVENT_CATALOG[t].example as never)]),
    );
    expect(keys).toEqual({
      deal_won: 'D-1001',
      customer_updated: 'erp:C-10042',
      invoice_paid: 'ACC-42',
      ticket_escalated: 'ACC-42',
      sales_order_created: 'D-1001',
      invoice_created: 'D-1001',
      onboarding_ticket_created: 'D-1001',
      segment_changed: 'CON-7',
      customer_synced: '0b7e4f0e-3c1a-4c52-9d1e-5f1f6a0e2b11',
      crm_task_requested: 'ACC-42',
    });
    const paid = EVENT_CATALOG.invoice_paid;
    expect(paid.aggregateKey({ ...paid.example, crmAccountId: null })).toBe('C-10042');
    expect(paid.aggregateKey({ ...paid.example, crmAccountId: undefined, erpCustomerNumber: null })).toBe(
      'INV-2025-0007',
    );
  });

  it('derives dead-letter topics from the consumer group', () => {
    expect(deadLetterTopic('erp-orders')).toBe('switchboard.dlq.erp-orders');
    expect(() => deadLetterTopic('')).toThrow(RangeError);
    expect(() => deadLetterTopic('a/b')).toThrow(RangeError);
    expect(() => deadLetterTopic('x'.repeat(240))).toThrow(RangeError);
  });
});
