import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { InvalidValue } from './normalize';
import {
  applyTransform,
  parseTransform,
  toCanonical,
  toE164,
  toSystem,
  type SystemMappings,
} from './mapping';
import { OwnershipConfigError, parseOwnership } from './ownership';

const DEFAULT_FILE = join(__dirname, '../../../deploy/ownership.yaml');

const mappings: SystemMappings = {
  erp: {
    account: [
      {
        systemName: 'accountType',
        field: 'accountType',
        transforms: [{ kind: 'trim' }],
        values: [
          ['Kunde', 'customer'],
          ['Interessent', 'prospect'],
          ['Customer', 'customer'],
        ],
      },
      { systemName: 'vatNumber', field: 'vatNumber', transforms: [{ kind: 'upper' }], values: [] },
      {
        systemName: 'phone',
        field: 'phone',
        transforms: [{ kind: 'phone_e164', defaultCountryCode: '39' }],
        values: [],
      },
    ],
  },
  support: {
    account: [{ systemName: 'address', field: 'billingAddress', transforms: [], values: [] }],
  },
  // The pure functions take any name; the ownership file keeps to the contract's (see below).
  marketing: {
    contact: [{ systemName: 'mobile', field: 'phone', transforms: [{ kind: 'lower' }], values: [] }],
  },
};

describe('field mapping', () => {
  describe('transforms', () => {
    it('trims, upper-cases and lower-cases', () => {
      expect(applyTransform('name', { kind: 'trim' }, '  Müller  ')).toBe('Müller');
      expect(applyTransform('vatNumber', { kind: 'upper' }, 'it01234567890')).toBe('IT01234567890');
      expect(applyTransform('email', { kind: 'lower' }, 'AP@Mueller.Example')).toBe('ap@mueller.example');
    });

    it.each([
      ['+39 02 1234 5678', null, '+390212345678'],
      ['0039 02-1234-5678', null, '+390212345678'],
      ['+49 (0)89 123 456', null, '+4989123456'],
      ['(089) 123.456', '49', '+4989123456'],
      ['02 1234 5678', '39', '+390212345678'],
      ['+44 20 7946 0958', '49', '+442079460958'],
    ])('normalises %s to E.164 (default country %s)', (input, country, expected) => {
      expect(toE164('phone', input, country)).toBe(expected);
    });

    it('refuses a national number without a default country, and text that is no number', () => {
      expect(() => toE164('phone', '02 1234 5678', null)).toThrow(InvalidValue);
      expect(() => toE164('phone', '02 1234 5678', null)).toThrow(/needs phone_e164:\+<country code>/);
      expect(() => toE164('phone', 'call the office', '39')).toThrow(
        /not a phone number in international form/,
      );
      expect(() => toE164('phone', '+12', null)).toThrow(InvalidValue);
    });

    it('parses the transform names of the file', () => {
      expect(parseTransform('trim')).toEqual({ kind: 'trim' });
      expect(parseTransform('phone_e164')).toEqual({ kind: 'phone_e164', defaultCountryCode: null });
      expect(parseTransform('phone_e164:+39')).toEqual({ kind: 'phone_e164', defaultCountryCode: '39' });
      expect(parseTransform('phone_e164:39')).toBeUndefined();
      expect(parseTransform('titlecase')).toBeUndefined();
    });
  });

  describe('inbound (toCanonical)', () => {
    it('renames, transforms then value-maps, and passes canonical fields as they are', () => {
      const result = toCanonical(mappings, 'erp', 'account', {
        accountType: ' Kunde ',
        vatNumber: 'it01234567890',
        phone: '02 1234 5678',
        name: 'Müller & Söhne',
        email: undefined,
      });
      expect(result.problems).toEqual([]);
      expect(result.fields).toEqual({
        accountType: 'customer',
        vatNumber: 'IT01234567890',
        phone: '+390212345678',
        name: 'Müller & Söhne',
      });
      expect('email' in result.fields).toBe(false);
    });

    it('keeps a value the map does not list, and null (a cleared value)', () => {
      expect(toCanonical(mappings, 'erp', 'account', { accountType: 'partner' }).fields).toEqual({
        accountType: 'partner',
      });
      expect(toCanonical(mappings, 'erp', 'account', { accountType: null, phone: null }).fields).toEqual({
        accountType: null,
        phone: null,
      });
    });

    it('renames per system and entity only', () => {
      const address = { line1: 'Via Roma 1', city: 'Milano', country: 'IT' };
      expect(toCanonical(mappings, 'support', 'account', { address }).fields).toEqual({
        billingAddress: address,
      });
      expect(toCanonical(mappings, 'crm', 'account', { billingAddress: address }).fields).toEqual({
        billingAddress: address,
      });
      expect(toCanonical(mappings, 'marketing', 'contact', { mobile: '+39 333 1234567' }).fields).toEqual({
        phone: '+39 333 1234567',
      });
    });

    it('refuses a field the system does not have, with the reason', () => {
      const result = toCanonical(mappings, 'support', 'account', {
        billingAddress: { city: 'Milano' },
        telefono: '0212345678',
        name: 'Rossi',
      });
      expect(result.fields).toEqual({ name: 'Rossi' });
      expect(result.problems).toEqual([
        {
          field: 'billingAddress',
          reason: 'unmapped_field',
          message: expect.stringContaining("support names the account field billingAddress 'address'"),
        },
        {
          field: 'telefono',
          reason: 'unmapped_field',
          message: expect.stringContaining(
            "'telefono' is neither a customer field nor one of support's mapped",
          ),
        },
      ]);
    });

    it('reports a value a transform cannot read as invalid_value under the system name', () => {
      const result = toCanonical(mappings, 'erp', 'account', { phone: 'ask reception', name: 'Rossi' });
      expect(result.fields).toEqual({ name: 'Rossi' });
      expect(result.problems).toEqual([
        { field: 'phone', reason: 'invalid_value', message: expect.stringMatching(/not a phone number/) },
      ]);
    });
  });

  describe('outbound (toSystem)', () => {
    it('renames back and reverses value maps with the first system value listed', () => {
      expect(
        toSystem(mappings, 'erp', 'account', { accountType: 'customer', name: 'Rossi', leadScore: 10 }),
      ).toEqual({ accountType: 'Kunde', name: 'Rossi', leadScore: 10 });
      expect(toSystem(mappings, 'support', 'account', { billingAddress: { city: 'Milano' } })).toEqual({
        address: { city: 'Milano' },
      });
    });

    it('sends canonical values the map does not list, and transformed values, as they are', () => {
      expect(
        toSystem(mappings, 'erp', 'account', {
          accountType: 'partner',
          phone: '+390212345678',
          vatNumber: null,
        }),
      ).toEqual({ accountType: 'partner', phone: '+390212345678', vatNumber: null });
    });

    it('leaves systems and entities without a mapping alone', () => {
      const fields = { accountType: 'customer', billingAddress: { city: 'Milano' } };
      expect(toSystem(mappings, 'crm', 'account', fields)).toEqual(fields);
      expect(toSystem(mappings, 'support', 'contact', fields)).toEqual(fields);
    });

    it('round-trips: what goes out comes back as the canonical value', () => {
      const canonical = { accountType: 'prospect', vatNumber: 'IT01234567890', phone: '+390212345678' };
      const out = toSystem(mappings, 'erp', 'account', canonical);
      expect(out.accountType).toBe('Interessent');
      expect(toCanonical(mappings, 'erp', 'account', out)).toEqual({ fields: canonical, problems: [] });
      const address = { billingAddress: { line1: 'Via Roma 1' } };
      expect(
        toCanonical(mappings, 'support', 'account', toSystem(mappings, 'support', 'account', address)).fields,
      ).toEqual(address);
    });
  });

  describe('in the ownership file', () => {
    const base = readFileSync(DEFAULT_FILE, 'utf8').replace(/\nmappings:[\s\S]*?\n(?=\S)/, '\n');
    const withMappings = (text: string) => `${base}\nmappings:\n${text}`;
    const lineOf = (text: string, needle: string) =>
      text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    function problemsOf(text: string): string[] {
      try {
        parseOwnership(text, 'test.yaml');
      } catch (error) {
        expect(error).toBeInstanceOf(OwnershipConfigError);
        return (error as OwnershipConfigError).problems;
      }
      throw new Error('expected the file to be refused');
    }

    it('reads the mappings of the default file', () => {
      const config = parseOwnership(readFileSync(DEFAULT_FILE, 'utf8'), DEFAULT_FILE);
      expect(config.mappings.erp?.account).toEqual([
        {
          systemName: 'vatNumber',
          field: 'vatNumber',
          transforms: [{ kind: 'trim' }, { kind: 'upper' }],
          values: [],
        },
      ]);
      expect(config.mappings.marketing?.contact?.[0].transforms).toEqual([
        { kind: 'trim' },
        { kind: 'phone_e164', defaultCountryCode: '39' },
      ]);
      expect(config.mappings.ecommerce?.account?.[0].values).toEqual([
        ['Rivenditori EU', 'EU-RESELLER'],
        ['Dettaglio EU', 'EU-RETAIL'],
      ]);
    });

    it('reads renames, transforms and value maps', () => {
      const config = parseOwnership(
        withMappings(`  erp:
    account:
      phone: { transforms: [trim, "phone_e164:+39"] }
      accountType: { values: { Kunde: customer, Interessent: prospect } }
  support:
    account:
      address: { field: billingAddress }
`),
      );
      expect(config.mappings).toEqual({
        erp: {
          account: [
            {
              systemName: 'phone',
              field: 'phone',
              transforms: [{ kind: 'trim' }, { kind: 'phone_e164', defaultCountryCode: '39' }],
              values: [],
            },
            {
              systemName: 'accountType',
              field: 'accountType',
              transforms: [],
              values: [
                ['Kunde', 'customer'],
                ['Interessent', 'prospect'],
              ],
            },
          ],
        },
        support: {
          account: [{ systemName: 'address', field: 'billingAddress', transforms: [], values: [] }],
        },
      });
    });

    it('refuses an unknown canonical field, an unknown transform and a duplicated name, each with its line', () => {
      const text = withMappings(`  erp:
    account:
      phone: { field: telephone }
      vatNumber: { transforms: [upper, titlecase] }
  crm:
    account:
      phone: { transforms: [trim] }
      segment: { field: phone }
`);
      const problems = problemsOf(text);
      expect(problems).toEqual([
        `mappings.crm.account.segment (line ${lineOf(text, 'segment: { field')}): maps to phone like phone: a field has one name in crm`,
        `mappings.erp.account.phone.field (line ${lineOf(text, 'field: telephone')}): is not a customer field (got "telephone")`,
        `mappings.erp.account.vatNumber.transforms.1 (line ${lineOf(text, 'titlecase')}): unknown transform "titlecase" (allowed: trim, upper, lower, phone_e164, phone_e164:+<country code>)`,
      ]);
    });

    it('refuses a name the contracts cannot carry, a field not synced, a change of kind, and maps that do nothing', () => {
      const text = withMappings(`  erp:
    account:
      telefono: { field: phone }
      address: { field: name }
      leadScore: { values: { hot: "90" } }
    contact:
      vatNumber: { transforms: [upper] }
      phone: {}
  ecommerce:
    customer: {}
`);
      expect(problemsOf(text)).toEqual([
        expect.stringMatching(
          /^mappings\.erp\.account\.telefono \(line \d+\): a system's name must be one customer_updated and customer_synced carry/,
        ),
        expect.stringMatching(
          /^mappings\.erp\.account\.address\.field \(line \d+\): address holds address on the wire and name holds text/,
        ),
        expect.stringMatching(
          /^mappings\.erp\.account\.leadScore \(line \d+\): transforms and value maps apply to text; leadScore holds integer/,
        ),
        expect.stringMatching(
          /^mappings\.erp\.contact\.vatNumber\.field \(line \d+\): vatNumber is not synced for contacts/,
        ),
        expect.stringMatching(/^mappings\.erp\.contact\.phone \(line \d+\): maps nothing/),
        expect.stringMatching(
          /^mappings\.ecommerce\.customer \(line \d+\): unknown key \(allowed: account, contact\)/,
        ),
      ]);
    });

    it('refuses a rename that leaves a synced canonical field without a name', () => {
      const text = withMappings(`  crm:
    account:
      phone: { field: notes }
`);
      expect(problemsOf(text)).toEqual([
        expect.stringMatching(
          /^mappings\.crm\.account\.phone \(line \d+\): is crm's name for notes, so the canonical phone needs another name in crm: map it too/,
        ),
      ]);
    });
  });
});
