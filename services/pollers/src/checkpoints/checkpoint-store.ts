import type { ClientBase } from 'pg';

import { quoteIdent } from '@switchboard/outbox';

import { PollerError, PollerErrorCode } from '../pollers.errors';
import type { PollerName } from '../jobs/poller-job';

export interface StoredCheckpoint {
  /** The newest change time ingest accepted (a stamp, `YYYY-...ffffffZ`). */
  position: string;
  /** When a pass last completed and confirmed it. */
  updatedAt: Date;
}

/**
 * One row per poller in `<schema>.poller_checkpoint`. Read and written on the leader's own session
 * (the one holding the advisory lock), never through the pool: once that session is gone, so is
 * the lock, and a replica that lost the leadership cannot write a checkpoint behind the new leader.
 */
export class CheckpointStore {
  private readonly table: string;

  constructor(schema: string) {
    this.table = `${quoteIdent(schema)}.poller_checkpoint`;
  }

  async read(session: ClientBase, poller: PollerName): Promise<StoredCheckpoint | null> {
    try {
      const { rows } = await session.query<{ position: string; updated_at: Date }>(
        `SELECT position, updated_at FROM ${this.table} WHERE poller = $1`,
        [poller],
      );
      return rows[0] ? { position: rows[0].position, updatedAt: rows[0].updated_at } : null;
    } catch (error) {
      throw new PollerError(PollerErrorCode.CheckpointFailed, `reading the ${poller} checkpoint failed`, {
        cause: error,
      });
    }
  }

  /** Stores the position after a completed pass (also when unchanged: updated_at says the pass completed). */
  async write(session: ClientBase, poller: PollerName, position: string): Promise<void> {
    try {
      await session.query(
        `INSERT INTO ${this.table} (poller, position, updated_at) VALUES ($1, $2, now())
         ON CONFLICT (poller) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at`,
        [poller, position],
      );
    } catch (error) {
      throw new PollerError(PollerErrorCode.CheckpointFailed, `writing the ${poller} checkpoint failed`, {
        cause: error,
      });
    }
  }
}
