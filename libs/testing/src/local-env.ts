import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The development defaults in deploy/local.env (dev-only HMAC secrets and tunables). Values
 * already in the environment win, so a developer can override any of them.
 */
export function loadLocalEnv(root: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = {};
  for (const line of readFileSync(join(root, 'deploy/local.env'), 'utf8').split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) merged[match[1]] = match[2]!;
  }
  return { ...merged, ...env };
}
