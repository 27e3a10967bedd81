import type { DataSource } from 'typeorm';

interface Logger {
  warn(message: unknown): void;
}

/** Retry delay after `attempts` failed sends: 1 s, 2 s, 4 s, 8 s ... at most 5 minutes. */
export function backoffMs(attempts: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempts - 1), 300_000);
}

/** POSTs unsent reports (oldest first); a failure is kept on the row and retried with backoff. */
export async function sendReports(
  dataSource: DataSource,
  url: string,
  logger: Logger,
  limit = 20,
): Promise<number> {
  let sent = 0;
  await dataSource.transaction(async (m) => {
    const rows: Array<{ id: string; report: unknown; send_attempts: number; last_attempt_at: Date | null }> =
      await m.query(
        `SELECT id, report, send_attempts, last_attempt_at FROM sync_report WHERE sent_at IS NULL
       ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
    for (const row of rows) {
      if (
        row.last_attempt_at &&
        Date.now() - new Date(row.last_attempt_at).getTime() < backoffMs(row.send_attempts)
      )
        continue;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-switchboard-report-id': row.id },
          body: JSON.stringify(row.report),
          signal: AbortSignal.timeout(10_000),
        });
        if (!response.ok) throw new Error(`webhook answered ${response.status}`);
        await m.query(
          `UPDATE sync_report SET sent_at = now(), send_attempts = send_attempts + 1, last_attempt_at = now(), last_error = NULL WHERE id = $1`,
          [row.id],
        );
        sent += 1;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        logger.warn({ msg: 'sync report not delivered; will retry', report: row.id, error: message });
        await m.query(
          `UPDATE sync_report SET send_attempts = send_attempts + 1, last_attempt_at = now(), last_error = $2 WHERE id = $1`,
          [row.id, message.slice(0, 500)],
        );
      }
    }
  });
  return sent;
}
