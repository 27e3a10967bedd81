import { resolve } from 'node:path';

import { OwnershipConfigError, loadOwnershipFile, type OwnershipConfig } from '@switchboard/master-data';

export function ownershipPath(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.CUSTOMER_SYNC_OWNERSHIP_FILE ?? 'deploy/ownership.yaml');
}

let loaded: OwnershipConfig | undefined;

/** The validated ownership file as it was at start (SyncRules keeps the live one). */
export function ownership(env: NodeJS.ProcessEnv = process.env): OwnershipConfig {
  loaded ??= loadOwnershipFile(ownershipPath(env));
  return loaded;
}

/** Start-up check: a wrong file ends the process with every problem listed (exit code 78, EX_CONFIG). */
export function loadOwnershipOrExit(): OwnershipConfig {
  try {
    return ownership();
  } catch (error) {
    const message = error instanceof OwnershipConfigError ? error.message : String(error);
    process.stderr.write(`customer-sync: refusing to start.\n${message}\n`);
    process.exit(78);
  }
}
