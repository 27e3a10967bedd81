import { connectorMetrics } from './connector.metrics';
import { DownstreamError } from './downstream-error';

/**
 * `fetch` for connectors: a bounded wait, and a timeout or network failure counted on the
 * connector's call metric and thrown as a transient DownstreamError (the inbox retries it). What the
 * system answered (status, body) is the caller's to map.
 */
export async function fetchDownstream(
  connector: string,
  url: string,
  init: RequestInit & { timeoutMs: number },
  /** What the call was, for the error message: e.g. `POST /ticket`. Never a body or a secret. */
  what: string,
): Promise<Response> {
  const { timeoutMs, ...request } = init;
  try {
    return await fetch(url, { ...request, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    connectorMetrics.calls.inc({ connector, outcome: timedOut ? 'timeout' : 'network' });
    const detail = timedOut
      ? 'timed out'
      : `network error (${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)})`;
    throw new DownstreamError('transient', connector, `${connector}: ${what} ${detail}`);
  }
}
