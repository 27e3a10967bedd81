import {
  crmLeadValues,
  crmTaskValues,
  crmWriteValues,
  taskReference,
  type CrmPartyExtras,
  type CrmRefs,
} from './tryton-crm';
import type { CurrentParty } from './tryton-parties';

const party: CurrentParty = {
  id: 7,
  code: 'ACC-1',
  name: 'Müller & Søn GmbH',
  active: true,
  mechanisms: [],
  address: { id: 21, street: 'Hauptstr. 1', city: 'Berlin', postal_code: '10115', country: 3 },
};

const extras = (overrides: Partial<CrmPartyExtras> = {}): CrmPartyExtras => ({
  vat: { id: 31, code: 'DE136695976' },
  paymentTermId: 4,
  statusCategoryIds: [],
  ...overrides,
});

const refs = (overrides: Partial<CrmRefs> = {}): CrmRefs => ({
  countryId: 3,
  paymentTermId: 4,
  statusCategoryId: null,
  ...overrides,
});

describe('crmWriteValues', () => {
  it('writes nothing when the CRM party already shows every value', () => {
    expect(
      crmWriteValues(
        party,
        extras(),
        {
          vatNumber: 'DE136695976',
          paymentTerms: 'Net 30',
          billingAddress: { line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
        },
        refs(),
      ),
    ).toEqual({});
  });

  it('moves the address through the party mapping and sets the new payment term', () => {
    expect(
      crmWriteValues(
        party,
        extras(),
        {
          billingAddress: {
            line1: 'Via Roma 1',
            line2: 'Scala B',
            city: 'Milano',
            postalCode: '20121',
            country: 'IT',
          },
          paymentTerms: 'Net 60',
        },
        refs({ countryId: 9, paymentTermId: 5 }),
      ),
    ).toEqual({
      addresses: [
        ['write', [21], { street: 'Via Roma 1\nScala B', city: 'Milano', postal_code: '20121', country: 9 }],
      ],
      customer_payment_term: 5,
    });
  });

  it('creates, rewrites or deletes the VAT identifier; absent leaves it alone', () => {
    expect(crmWriteValues(party, extras({ vat: null }), { vatNumber: 'DE136695976' }, refs())).toEqual({
      identifiers: [['create', [{ type: 'eu_vat', code: 'DE136695976' }]]],
    });
    expect(crmWriteValues(party, extras(), { vatNumber: 'NL004495445B01' }, refs())).toEqual({
      identifiers: [['write', [31], { code: 'NL004495445B01' }]],
    });
    expect(crmWriteValues(party, extras(), { vatNumber: null }, refs())).toEqual({
      identifiers: [['delete', [31]]],
    });
    expect(crmWriteValues(party, extras(), {}, refs())).toEqual({});
  });

  it('clears the payment term when the ERP clears it', () => {
    expect(crmWriteValues(party, extras(), { paymentTerms: null }, refs({ paymentTermId: null }))).toEqual({
      customer_payment_term: null,
    });
  });

  it('keeps one payment status category: a new status replaces the old, null removes it', () => {
    expect(crmWriteValues(party, extras(), { paymentStatus: 'paid' }, refs({ statusCategoryId: 8 }))).toEqual(
      {
        categories: [['add', [8]]],
      },
    );
    expect(
      crmWriteValues(
        party,
        extras({ statusCategoryIds: [6] }),
        { paymentStatus: 'paid' },
        refs({ statusCategoryId: 8 }),
      ),
    ).toEqual({
      categories: [
        ['remove', [6]],
        ['add', [8]],
      ],
    });
    expect(
      crmWriteValues(party, extras({ statusCategoryIds: [8] }), { paymentStatus: null }, refs()),
    ).toEqual({
      categories: [['remove', [8]]],
    });
    expect(
      crmWriteValues(
        party,
        extras({ statusCategoryIds: [8] }),
        { paymentStatus: 'paid' },
        refs({ statusCategoryId: 8 }),
      ),
    ).toEqual({});
  });
});

describe('crmTaskValues', () => {
  const task = {
    taskId: '5b0c2f9e-7a51-5d7e-9a51-3f0c1c2d4e5f',
    accountId: 'ACC-1',
    assignee: 'sales.anna',
    subject: 'Escalated ticket RT-42: Login fails',
    description: 'Request Tracker priority raised to 90',
    priority: 'high' as const,
    reason: 'ticket_escalated',
    sourceReference: 'RT-42',
  };

  it('a task on the account party, allocated in full to the employee, the task id on its last line', () => {
    expect(crmTaskValues(task, { partyId: 7, employeeId: 3, companyId: 1 })).toEqual({
      name: 'Escalated ticket RT-42: Login fails',
      type: 'task',
      company: 1,
      party: 7,
      comment: [
        'Priority: high',
        'Source: ticket_escalated RT-42',
        '',
        'Request Tracker priority raised to 90',
        '',
        'Switchboard task 5b0c2f9e-7a51-5d7e-9a51-3f0c1c2d4e5f',
      ].join('\n'),
      allocations: [['create', [{ employee: 3, percentage: 100 }]]],
    });
  });

  it('leaves the description out when there is none; the reference is what a repeat is found by', () => {
    const values = crmTaskValues({ ...task, description: null }, { partyId: 7, employeeId: 3, companyId: 1 });
    expect(values.comment).toBe(
      `Priority: high\nSource: ticket_escalated RT-42\n\n${taskReference(task.taskId)}`,
    );
  });
});

describe('crmLeadValues', () => {
  const lead = {
    accountId: 'LEAD-ecommerce-WEB-7',
    name: 'Trattoria Sole',
    email: 'info@sole.example',
    phone: '+39 02 1234567',
    owner: 'crm-default-owner',
  };

  it('the account with its e-mail and phone, related to its owner', () => {
    expect(crmLeadValues(lead, { ownerPartyId: 4, ownerRelationTypeId: 2 })).toEqual({
      code: 'LEAD-ecommerce-WEB-7',
      name: 'Trattoria Sole',
      contact_mechanisms: [
        [
          'create',
          [
            { type: 'email', value: 'info@sole.example' },
            { type: 'phone', value: '+39 02 1234567' },
          ],
        ],
      ],
      relations: [['create', [{ to: 4, type: 2 }]]],
    });
  });

  it('no contact mechanisms when the lead has neither', () => {
    expect(
      crmLeadValues({ ...lead, email: null, phone: null }, { ownerPartyId: 4, ownerRelationTypeId: 2 }),
    ).toEqual({
      code: 'LEAD-ecommerce-WEB-7',
      name: 'Trattoria Sole',
      relations: [['create', [{ to: 4, type: 2 }]]],
    });
  });
});
