// What the pollers that feed ingest from a real system's side share: the source's signing secret and
// the loop (a pass every interval, one with `--once`; a failed pass is logged and the next catches
// up, since the source event ids let ingest drop what was posted already).
import { readFileSync } from 'node:fs';

const MIN_SECRET_LENGTH = 24;

/**
 * The poller's own signing secret: `INGEST_SECRET` (or the file `INGEST_SECRET_FILE`), the secret of
 * the one source it speaks for. A poller never gets the whole `INGEST_SOURCE_SECRETS` of ingest:
 * whoever reads its environment could then sign as every source. Given it anyway, it refuses to start.
 */
export function ingestSecret(env: NodeJS.ProcessEnv, source: string): string {
  if (env.INGEST_SOURCE_SECRETS !== undefined) {
    throw new Error(
      `refusing to start with INGEST_SOURCE_SECRETS (every source's secret): pass only the ${source} secret as INGEST_SECRET`,
    );
  }
  const secret = env.INGEST_SECRET_FILE
    ? readFileSync(env.INGEST_SECRET_FILE, 'utf8').trim()
    : (env.INGEST_SECRET ?? '');
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(
      `INGEST_SECRET (the ${source} source's secret) is required, at least ${MIN_SECRET_LENGTH} characters`,
    );
  }
  return secret;
}

/** The one source secret to hand a poller, taken from ingest's list (local runs and tests). */
export function secretOfSource(sourceSecrets: string, source: string): string | undefined {
  return sourceSecrets
    .split(',')
    .filter((pair) => pair.slice(0, pair.indexOf('=')) === source)
    .map((pair) => pair.slice(pair.indexOf('=') + 1))
    .at(-1);
}

export async function runPoller(
  name: string,
  intervalMs: number,
  pass: () => Promise<object>,
): Promise<void> {
  const once = process.argv.includes('--once');
  for (;;) {
    try {
      console.log(JSON.stringify({ msg: `${name} poll`, ...(await pass()) }));
    } catch (error) {
      if (once) throw error;
      console.error(JSON.stringify({ msg: `${name} poll failed`, error: String(error) }));
    }
    if (once) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Runs a poller's `main` when the file is the program, exiting non-zero on a fatal error. */
export function runMain(module: NodeJS.Module, main: () => Promise<void>): void {
  if (require.main !== module) return;
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
