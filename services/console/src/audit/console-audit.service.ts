import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export type AuditAction =
  | 'sign-in'
  | 'sign-in-refused'
  /** Refused unchecked: too many failed sign-ins for the name or from the address. */
  | 'sign-in-throttled'
  | 'sign-out'
  | 'review.resolve'
  | 'dead-letters.replay'
  | 'dead-letters.purge';

export interface AuditEntry {
  actor: string;
  action: AuditAction;
  target?: string | null;
  outcome: 'ok' | 'refused' | 'failed';
  /** What was chosen or how many: never personal data (the upstream services keep the values). */
  detail?: Record<string, string | number | boolean | null>;
}

export interface AuditRowDto {
  seq: string;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  detail: Record<string, unknown>;
  at: string;
}

/** console_audit: every action taken through the console, with the person who took it. */
@Injectable()
export class ConsoleAuditService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO console_audit (actor, action, target, outcome, detail) VALUES ($1, $2, $3, $4, $5::jsonb)`,
      [entry.actor, entry.action, entry.target ?? null, entry.outcome, JSON.stringify(entry.detail ?? {})],
    );
  }

  async recent(limit = 100): Promise<AuditRowDto[]> {
    const rows: Array<Omit<AuditRowDto, 'at'> & { at: Date }> = await this.dataSource.query(
      `SELECT seq::text AS seq, actor, action, target, outcome, detail, at FROM console_audit ORDER BY seq DESC LIMIT $1`,
      [limit],
    );
    return rows.map((row) => ({ ...row, at: row.at.toISOString() }));
  }
}
