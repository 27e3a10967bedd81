import { connectorMetrics } from './connector.metrics';
import { DownstreamError } from '@switchboard/downstream';

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

/** Default bounds of what a downstream may answer (DOWNSTREAM_MAX_RESPONSE_BYTES, ..._RETRY_AFTER_SECONDS). */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_RETRY_AFTER_MS = 300_000;

/**
 * The answer's body as text, read at most `maxBytes` far: a downstream (or whatever answers at its
 * address) cannot make a consumer buffer an endless body. Larger is a transient DownstreamError
 * (retried within the budget, then dead-lettered), and the rest is never read.
 */
export async function readCapped(
  response: Response,
  maxBytes: number,
  connector: string,
  what: string,
): Promise<string> {
  const tooLarge = () =>
    new DownstreamError(
      'transient',
      connector,
      `${connector}: ${what} answered more than ${maxBytes} bytes`,
      {
        status: response.status,
      },
    );
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof DownstreamError) throw error;
    return Buffer.concat(chunks).toString('utf8');
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Retry-After as milliseconds: delta-seconds or an HTTP date; absent or unreadable means one
 * second; never more than `capMs`, so a downstream cannot park a consumer for as long as it asks.
 */
export function retryAfterMs(header: string | null, capMs: number = DEFAULT_MAX_RETRY_AFTER_MS): number {
  let ms = 1_000;
  if (header) {
    const seconds = Number(header);
    if (header.trim() !== '' && Number.isFinite(seconds)) ms = Math.max(0, seconds * 1_000);
    else {
      const date = Date.parse(header);
      ms = Number.isNaN(date) ? 1_000 : Math.max(0, date - Date.now());
    }
  }
  return Math.min(ms, capMs);
}
