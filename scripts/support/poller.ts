// What the pollers that feed ingest from a real system's side share: the source's signing secret and
// the loop (a pass every interval, one with `--once`; a failed pass is logged and the next catches
// up, since the source event ids let ingest drop what was posted already).

/** The HMAC secret of `source` in `INGEST_SOURCE_SECRETS` (`crm=...,erp=...`). */
export function ingestSecret(env: NodeJS.ProcessEnv, source: string): string | undefined {
  return (env.INGEST_SOURCE_SECRETS ?? '')
    .split(',')
    .map((pair) => pair.split('=', 2))
    .find(([name]) => name === source)?.[1];
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
