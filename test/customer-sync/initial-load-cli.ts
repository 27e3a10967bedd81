// The initial load command as an operator runs it (from dist/, like its container), for the suites
// that load files and pull from Tryton.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { ROOT } from '../support/cluster';
import { syncEnv } from './support';

const CLI = join(ROOT, 'dist/services/customer-sync/src/initial-load/initial-load.cli.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function load(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: syncEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The final report: the last line the command writes to stdout. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reports are untyped JSON here
export const reportOf = (result: CliResult): any => JSON.parse(result.stdout.trim().split('\n').at(-1)!);
