import type { CustomerUpdatedV1 } from '@switchboard/contracts';

import { planLead } from './lead-rule';

const update = (overrides: Partial<CustomerUpdatedV1> = {}): CustomerUpdatedV1 => ({
  system: 'ecommerce',
  entity: 'account',
  externalId: 'WEB-7',
  changedAt: '2026-12-06T08:12:45.120Z',
  fields: { name: ' Trattoria Sole ', email: 'info@sole.example', accountType: 'prospect' },
  ...overrides,
});

describe('planLead', () => {
  it('a web-form account becomes a lead owned by the default owner', () => {
    expect(planLead(update(), 'crm-default-owner')).toEqual({
      open: true,
      lead: {
        accountId: 'LEAD-ecommerce-WEB-7',
        name: 'Trattoria Sole',
        email: 'info@sole.example',
        phone: null,
        owner: 'crm-default-owner',
      },
    });
  });

  it('the default owner even when the source names an owner (the CRM masters owners)', () => {
    const plan = planLead(
      update({ system: 'marketing', fields: { name: 'Sole', accountOwner: 'sales.anna' } }),
      'crm-default-owner',
    );
    expect(plan).toMatchObject({
      open: true,
      lead: { accountId: 'LEAD-marketing-WEB-7', owner: 'crm-default-owner' },
    });
  });

  it.each([
    [{ system: 'crm' } as const, 'not_lead_source'],
    [{ system: 'erp' } as const, 'not_lead_source'],
    [{ entity: 'contact' } as const, 'contact'],
    [{ deleted: true }, 'lifecycle'],
    [{ mergedIntoExternalId: 'WEB-1' }, 'lifecycle'],
    [{ fields: { name: '  ', email: 'x@example.com' } }, 'no_name'],
    [{ fields: { email: 'x@example.com' } }, 'no_name'],
  ])('opens no lead for %o (%s)', (overrides, skip) => {
    expect(planLead(update(overrides), 'crm-default-owner')).toEqual({ open: false, skip });
  });
});
