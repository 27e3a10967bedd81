import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadOwnershipFile, type OwnershipConfig } from '@switchboard/master-data';

import type { SyncEngine } from '../sync/sync-engine';
import { SyncRules } from './sync-rules';

const original = readFileSync(join(__dirname, '../../../../deploy/ownership.yaml'), 'utf8');

describe('SyncRules', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'sync-rules-')), 'ownership.yaml');
  const engines: OwnershipConfig[] = [];
  // The engine is the one thing built from a configuration: a stand-in that records which.
  const engineFor = (config: OwnershipConfig) => {
    engines.push(config);
    return { config } as unknown as SyncEngine;
  };

  beforeEach(() => {
    engines.length = 0;
    writeFileSync(file, original);
  });

  it('puts a changed file in force with a new engine', () => {
    const rules = new SyncRules(file, loadOwnershipFile(file), engineFor);
    writeFileSync(file, original.replace('version: 1', 'version: 7'));

    expect(rules.reload('test')).toBe(true);
    expect(rules.current().config.version).toBe('7');
    expect(engines.map((config) => config.version)).toEqual(['1', '7']);
  });

  it('refuses a file that does not validate and keeps the rules in force', () => {
    const rules = new SyncRules(file, loadOwnershipFile(file), engineFor);
    const before = rules.current();
    writeFileSync(
      file,
      original.replace('version: 1', 'version: 8').replace('phone: { master: crm', 'phone: { master: sap'),
    );

    expect(rules.reload('test')).toBe(false);
    expect(rules.current()).toBe(before);
    expect(engines).toHaveLength(1);
  });

  it('keeps the rules in force when the file is gone', () => {
    const rules = new SyncRules(file, loadOwnershipFile(file), engineFor);
    const gone = new SyncRules(join(file, 'missing'), rules.current().config, engineFor);

    expect(gone.reload('test')).toBe(false);
    expect(gone.current().config).toBe(rules.current().config);
  });
});
