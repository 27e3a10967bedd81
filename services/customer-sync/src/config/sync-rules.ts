import { unwatchFile, watchFile, type Stats } from 'node:fs';

import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Counter } from 'prom-client';

import { OwnershipConfigError, loadOwnershipFile, type OwnershipConfig } from '@switchboard/master-data';

import type { SyncEngine } from '../sync/sync-engine';

const reloads = new Counter({
  name: 'switchboard_customer_sync_ownership_reloads_total',
  help: 'Ownership file reloads (file changed or SIGHUP), by outcome: applied, or refused (invalid, the rules in force stay)',
  labelNames: ['outcome'] as const,
});

/** How often the file's mtime is checked: a mounted ConfigMap changes by a symlink swap, seen by stat. */
const WATCH_INTERVAL_MS = 1_000;

/** The rules in force: the ownership configuration and the engine that decides with it. */
export interface RuleSet {
  config: OwnershipConfig;
  engine: SyncEngine;
}

/**
 * The ownership file, live. Read at start (a wrong file has already stopped the process), then again
 * when the file changes or the process gets SIGHUP, without a restart. A file that does not
 * validate is refused, its problems logged with their lines and counted, and the rules in force
 * stay. The engine decides a change with one configuration; a reload takes effect from the next
 * change the engine takes up.
 */
export class SyncRules implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('SyncRules');
  private rules: RuleSet;
  private readonly onSignal = () => this.reload('SIGHUP');
  private readonly onChange = (now: Stats, before: Stats) => {
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size) this.reload('file changed');
  };

  constructor(
    private readonly path: string,
    initial: OwnershipConfig,
    private readonly engineFor: (config: OwnershipConfig) => SyncEngine,
  ) {
    this.rules = { config: initial, engine: engineFor(initial) };
  }

  current(): RuleSet {
    return this.rules;
  }

  /** Reads the file again; true when its rules are now in force. */
  reload(reason: string): boolean {
    try {
      const config = loadOwnershipFile(this.path);
      this.rules = { config, engine: this.engineFor(config) };
      reloads.inc({ outcome: 'applied' });
      this.logger.log(`ownership file reloaded (${reason}): ${this.path}, version ${config.version}`);
      return true;
    } catch (error) {
      // A running service never stops over an edit: whatever went wrong, the old rules stay.
      const message = error instanceof OwnershipConfigError ? error.message : String(error);
      reloads.inc({ outcome: 'refused' });
      this.logger.error(
        `ownership file refused (${reason}); the rules in force stay (version ${this.rules.config.version}). ${message}`,
      );
      return false;
    }
  }

  onModuleInit(): void {
    watchFile(this.path, { interval: WATCH_INTERVAL_MS, persistent: false }, this.onChange);
    process.on('SIGHUP', this.onSignal);
  }

  onModuleDestroy(): void {
    unwatchFile(this.path, this.onChange);
    process.off('SIGHUP', this.onSignal);
  }
}
