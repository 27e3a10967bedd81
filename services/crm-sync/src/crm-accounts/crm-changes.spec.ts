import type { CustomerSyncedV1 } from '@switchboard/contracts';

import { planCrmChanges } from './crm-changes';

const synced = (overrides: Partial<CustomerSyncedV1> = {}): CustomerSyncedV1 => ({
  customerId: '0b7e4f0e-3c1a-4c52-9d1e-5f1f6a0e2b11',
  entity: 'account',
  target: 'crm',
  targetExternalId: 'ACC-42',
  action: 'upsert',
  version: 7,
  changedAt: '2026-12-06T08:12:45.120Z',
  origin: { system: 'erp', eventId: 'c1f0b1de-8d0a-5b2e-9a51-3f0c1c2d4e5f', actor: 'system:erp' },
  fields: {},
  crossReferences: [{ system: 'crm', externalId: 'ACC-42' }],
  ...overrides,
});

describe('planCrmChanges', () => {
  it('takes the ERP-mastered fields and the payment status, absent as absent and null as null', () => {
    const address = { line1: 'Via Roma 1', line2: null, city: 'Milano', postalCode: '20121', country: 'IT' };
    expect(
      planCrmChanges(
        synced({
          fields: {
            billingAddress: address,
            paymentTerms: 'Net 60',
            vatNumber: null,
            paymentStatus: 'paid',
            name: 'x',
          },
        }),
      ),
    ).toEqual({
      apply: true,
      accountId: 'ACC-42',
      changes: { billingAddress: address, paymentTerms: 'Net 60', vatNumber: null, paymentStatus: 'paid' },
    });
  });

  it('finds the account by the CRM cross-reference when customer-sync linked none', () => {
    const plan = planCrmChanges(
      synced({
        targetExternalId: null,
        crossReferences: [{ system: 'crm', externalId: 'ACC-7' }],
        fields: { paymentTerms: 'Net 30' },
      }),
    );
    expect(plan).toEqual({ apply: true, accountId: 'ACC-7', changes: { paymentTerms: 'Net 30' } });
  });

  it.each([
    [{ target: 'erp' } as const, 'other_target'],
    [{ entity: 'contact' } as const, 'contact'],
    [
      { targetExternalId: null, crossReferences: [{ system: 'erp' as const, externalId: 'C1' }] },
      'no_crm_account',
    ],
    [{ action: 'deactivate' } as const, 'lifecycle'],
    [{ fields: { leadScore: 80, notes: 'x' } }, 'nothing_for_crm'],
  ])('leaves the CRM alone for %o (%s)', (overrides, skip) => {
    expect(planCrmChanges(synced({ fields: { paymentTerms: 'Net 30' }, ...overrides }))).toEqual({
      apply: false,
      skip,
    });
  });
});
