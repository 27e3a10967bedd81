import { exampleCloudEvent, type CustomerSyncedV1 } from '@switchboard/contracts';

import { afterApplying, freshFields } from './field-versions';

const sync = (
  version: number,
  fields: CustomerSyncedV1['fields'],
  action: CustomerSyncedV1['action'] = 'upsert',
) => ({
  ...exampleCloudEvent('customer_synced').data,
  target: 'erp' as const,
  action,
  version,
  fields,
});

describe('freshFields', () => {
  it('takes every field of the first version seen', () => {
    expect(freshFields(sync(1, { name: 'A', email: 'a@example.com' }), null)).toEqual({
      name: 'A',
      email: 'a@example.com',
    });
  });

  it('takes the fields a newer version changed', () => {
    const known = { applied: 1, fields: { name: 1, email: 1 } };
    expect(freshFields(sync(2, { email: 'b@example.com' }), known)).toEqual({ email: 'b@example.com' });
  });

  it('takes from an older version only the fields no later version wrote (a replayed dead letter)', () => {
    // v1 was dead-lettered, v2 changed the e-mail; v1 replayed brings name and phone, not its e-mail.
    const known = afterApplying(sync(2, { email: 'b@example.com' }), { email: 'b@example.com' }, null);
    expect(freshFields(sync(1, { name: 'A', email: 'a@example.com', phone: '+49 1' }), known)).toEqual({
      name: 'A',
      phone: '+49 1',
    });
  });

  it('is null for a version that brings nothing new (a duplicate or a stale update)', () => {
    const known = { applied: 3, fields: { name: 3 } };
    expect(freshFields(sync(2, { name: 'A' }), known)).toBeNull();
    expect(freshFields(sync(3, { name: 'A' }), known)).toBeNull();
  });

  it('counts every field of a customer applied before fields were tracked as written by its version', () => {
    const known = { applied: 3, fields: null };
    expect(freshFields(sync(2, { name: 'A' }), known)).toBeNull();
    expect(freshFields(sync(4, { name: 'A' }), known)).toEqual({ name: 'A' });
  });

  it('applies a deactivation only when it is the newest version', () => {
    expect(freshFields(sync(2, {}, 'deactivate'), { applied: 3, fields: {} })).toBeNull();
    expect(freshFields(sync(4, {}, 'deactivate'), { applied: 3, fields: {} })).toEqual({});
  });
});

describe('afterApplying', () => {
  it('records the version of each field it wrote and never lowers the applied version', () => {
    const known = { applied: 2, fields: { email: 2 } };
    expect(afterApplying(sync(1, { name: 'A' }), { name: 'A' }, known)).toEqual({
      applied: 2,
      fields: { email: 2, name: 1 },
    });
  });
});
