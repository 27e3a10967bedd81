import { createHmac } from 'node:crypto';

import type { DataSource } from 'typeorm';

interface Logger {
  warn(message: unknown): void;
}

/** Where reports go and the key they are signed with (CUSTOMER_SYNC_REPORT_WEBHOOK_URL / _SECRET). */
export interface WebhookTarget {
  url: string;
  secret: string;
  timeoutMs?: number;
}

export const REPORT_TIMESTAMP_HEADER = 'x-switchboard-timestamp';
export const REPORT_SIGNATURE_HEADER = 'x-switchboard-signature';

/** Retry delay after `attempts` failed sends: 1 s, 2 s, 4 s, 8 s ... at most 5 minutes. */
export function backoffMs(attempts: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempts - 1), 300_000);
}

/**
 * The signature a receiver checks, exactly as ingest's callers sign theirs: `v1=` + hex
 * HMAC-SHA256 of `<unix seconds>.<raw body>` with the shared secret (docs/customer-sync.md).
 */
export function reportSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

interface ClaimedReport {
  id: string;
  report: unknown;
}

/**
 * POSTs unsent reports (oldest first), signed, never following a redirect. A short transaction
 * leases the due rows (so another replica skips them), the calls run outside any transaction (no
 * row lock is held across up to twenty 10-second calls), and each outcome is written on its own.
 */
export async function sendReports(
  dataSource: DataSource,
  target: WebhookTarget,
  logger: Logger,
  limit = 20,
): Promise<number> {
  const timeoutMs = target.timeoutMs ?? 10_000;
  const claimed = await dataSource.transaction(async (m) => {
    const rows: Array<{ id: string; report: unknown; send_attempts: number; last_attempt_at: Date | null }> =
      await m.query(
        `SELECT id, report, send_attempts, last_attempt_at FROM sync_report
         WHERE sent_at IS NULL AND (lease_until IS NULL OR lease_until < now())
         ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
    const due = rows.filter(
      (row) =>
        !row.last_attempt_at ||
        Date.now() - new Date(row.last_attempt_at).getTime() >= backoffMs(row.send_attempts),
    );
    if (due.length > 0) {
      // The lease outlives every call of this round, so no replica sends the same report meanwhile.
      await m.query(
        `UPDATE sync_report SET lease_until = now() + make_interval(secs => $2) WHERE id = ANY($1::text[])`,
        [due.map((row) => row.id), ((timeoutMs * (due.length + 1)) / 1000).toFixed(0)],
      );
    }
    return due.map((row): ClaimedReport => ({ id: row.id, report: row.report }));
  });
  let sent = 0;
  for (const row of claimed) {
    try {
      const body = JSON.stringify(row.report);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-switchboard-report-id': row.id,
          [REPORT_TIMESTAMP_HEADER]: timestamp,
          [REPORT_SIGNATURE_HEADER]: reportSignature(target.secret, timestamp, body),
        },
        body,
        // A redirect could send the signed report anywhere: refused, not followed.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 300 && response.status < 400)
        throw new Error(`webhook answered a redirect (${response.status}); redirects are not followed`);
      if (!response.ok) throw new Error(`webhook answered ${response.status}`);
      await dataSource.query(
        `UPDATE sync_report SET sent_at = now(), send_attempts = send_attempts + 1, last_attempt_at = now(),
           last_error = NULL, lease_until = NULL WHERE id = $1`,
        [row.id],
      );
      sent += 1;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      logger.warn({ msg: 'sync report not delivered; will retry', report: row.id, error: message });
      await dataSource.query(
        `UPDATE sync_report SET send_attempts = send_attempts + 1, last_attempt_at = now(), last_error = $2,
           lease_until = NULL WHERE id = $1`,
        [row.id, message.slice(0, 500)],
      );
    }
  }
  return sent;
}
