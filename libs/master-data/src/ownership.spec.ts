import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { OwnershipConfigError, flowAllows, parseOwnership } from './ownership';

const DEFAULT_FILE = join(__dirname, '../../../deploy/ownership.yaml');

const minimal = (fields: string, extra = '') => `
version: 2
defaultAccountOwner: owner-1
entities:
  account:
    recordMasters: [erp, crm]
    fields:
${fields}
  contact:
    recordMasters: [crm]
    fields:
      name: { master: crm, receivers: [erp], strategy: last_writer_wins }
${extra}`;

function problemsOf(text: string): string[] {
  try {
    parseOwnership(text, 'test.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(OwnershipConfigError);
    return (error as OwnershipConfigError).problems;
  }
  throw new Error('expected the file to be refused');
}

describe('ownership file', () => {
  it('reads the default file of the MISSION table', () => {
    const config = parseOwnership(readFileSync(DEFAULT_FILE, 'utf8'), DEFAULT_FILE);
    const account = config.entities.account.fields;
    expect(account.vatNumber).toMatchObject({
      master: 'erp',
      receivers: ['crm'],
      strategy: 'source_of_truth',
    });
    expect(account.billingAddress).toMatchObject({ master: 'erp', strategy: 'last_writer_wins' });
    expect(account.paymentTerms?.master).toBe('erp');
    expect(account.leadScore?.master).toBe('marketing');
    expect(account.accountOwner?.strategy).toBe('manual_review');
    expect(account.notes?.strategy).toBe('merge');
    expect(config.entities.contact.fields.name).toMatchObject({ master: 'crm', required: true });
    expect(config.entities.account.recordMasters).toEqual(['erp', 'crm']);
    expect(config.signals.invoicePaid.segment).toBe('paying-customers');
  });

  it('lists every problem with its path and line', () => {
    const problems = problemsOf(
      minimal(`      phone: { master: crn, receivers: [erp, erp], strategy: newest_wins }
      colour: { master: crm, strategy: merge }
      leadScore: { master: marketing, strategy: merge }`),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^entities\.account\.fields\.phone\.master \(line 8\): must be one of crm, erp/,
        ),
        expect.stringMatching(/phone\.receivers \(line 8\): lists a system twice/),
        expect.stringMatching(/phone\.strategy \(line 8\): must be one of last_writer_wins, source_of_truth/),
        expect.stringMatching(/entities\.account\.fields\.colour \(line 9\): unknown key/),
        expect.stringMatching(/leadScore\.strategy \(line 10\): merge keeps every paragraph of free text/),
      ]),
    );
  });

  it('refuses YAML syntax errors with their position, and missing essentials', () => {
    expect(problemsOf('version: 1\nentities: [\n')[0]).toMatch(/line 3|at line/);
    expect(problemsOf('entities: {}')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^version.*is required/),
        expect.stringMatching(/^defaultAccountOwner.*is required/),
        expect.stringMatching(/^entities\.account.*is missing/),
      ]),
    );
  });

  it('filters records per target with include and exclude rules', () => {
    const config = parseOwnership(readFileSync(DEFAULT_FILE, 'utf8'));
    expect(flowAllows(config, 'erp', 'account', { accountType: 'prospect' })).toBe(false);
    expect(flowAllows(config, 'erp', 'account', { accountType: 'customer' })).toBe(true);
    expect(flowAllows(config, 'erp', 'account', {})).toBe(true);
    expect(flowAllows(config, 'ecommerce', 'account', { country: 'DE' })).toBe(true);
    expect(flowAllows(config, 'ecommerce', 'account', { country: 'US' })).toBe(false);
    expect(flowAllows(config, 'ecommerce', 'account', {})).toBe(false);
    expect(flowAllows(config, 'crm', 'account', { country: 'US' })).toBe(true);
  });
});
