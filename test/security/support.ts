// Shared by the security suites: ingest as its own process (from dist/, like its container) on a
// port of its own, and its schema provisioned the way the release Job does.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { IngestClient, ServiceProcess } from '@switchboard/testing';

import { ROOT, testEnv } from '../support/cluster';

/** Above customer-sync's port (TEST_BASE_PORT + 20). */
export const SECURITY_BASE_PORT = Number(process.env.TEST_BASE_PORT ?? 4100) + 40;

export async function provisionService(name: string, env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(process.execPath, [join(ROOT, `dist/services/${name}/src/provision.js`)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${name} provisioning failed (exit ${code})`);
}

export function serviceProcess(
  name: 'ingest' | 'erp-orders' | 'finance-invoicing' | 'support-onboarding' | 'marketing-segments',
  suite: string,
  port: number,
  extra: NodeJS.ProcessEnv = {},
): ServiceProcess {
  return new ServiceProcess(name, port, {
    root: ROOT,
    env: testEnv(extra),
    basePort: port,
    logs: { dir: join(ROOT, '.stack/test-logs', suite) },
  });
}

export function ingestAt(url: string, extra: NodeJS.ProcessEnv = {}): IngestClient {
  return IngestClient.fromEnv(url, testEnv(extra));
}
