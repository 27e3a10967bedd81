/**
 * The app's own shutdown deadline. On SIGTERM Nest closes the consumer (its batch commits), the outbox
 * relay (a bounded flush) and the pool; if that takes longer than `timeoutMs` (a hung broker or
 * database), the process exits with code 1 instead of waiting for Kubernetes' SIGKILL at the end of the
 * grace period. The manifests give it terminationGracePeriodSeconds = preStop + this deadline + a margin.
 */
export function armShutdownDeadline(
  timeoutMs: number,
  {
    signals = ['SIGTERM', 'SIGINT'],
    target = process,
    exit = (code: number) => process.exit(code),
    log = (message: string) => console.error(message),
  }: {
    signals?: NodeJS.Signals[];
    target?: Pick<NodeJS.EventEmitter, 'once'>;
    exit?: (code: number) => void;
    log?: (message: string) => void;
  } = {},
): void {
  let armed = false;
  const arm = (signal: NodeJS.Signals) => {
    if (armed) return;
    armed = true;
    // unref: a shutdown that finishes in time lets the process exit on its own, untouched.
    setTimeout(() => {
      log(
        JSON.stringify({
          level: 50,
          msg: `shutdown exceeded its ${timeoutMs} ms deadline after ${signal}: exiting`,
        }),
      );
      exit(1);
    }, timeoutMs).unref();
  };
  for (const signal of signals) target.once(signal, () => arm(signal));
}

/**
 * HTTP first, consumers second: /health/live answers while the consumer joins its group (a join can
 * take a session timeout), so the startup probe sees a live process; /health/ready stays down until
 * the consumer is connected.
 */
export async function listenThenConsume(
  app: { listen(port: number, host: string): Promise<unknown>; startAllMicroservices(): Promise<unknown> },
  port: number,
  consumes: boolean,
): Promise<void> {
  await app.listen(port, '0.0.0.0');
  if (consumes) await app.startAllMicroservices();
}
