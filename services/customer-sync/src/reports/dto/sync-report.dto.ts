import { ApiProperty } from '@nestjs/swagger';

/** The report itself, as sent to the webhook: an incremental window's or an initial load's. */
export class SyncReportBodyDto {
  @ApiProperty({ enum: ['incremental', 'initial_load'] })
  kind!: 'incremental' | 'initial_load';

  @ApiProperty({ example: 'incremental:2026-01-02T03:04:00Z' })
  id!: string;

  @ApiProperty({ example: 'customer-sync' })
  service!: string;

  @ApiProperty({ format: 'date-time' })
  windowStart!: string;

  @ApiProperty({ format: 'date-time' })
  windowEnd!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'created, updated, unchanged, conflicts, failed, refused, echoes, stale',
  })
  counts!: Record<string, number>;

  @ApiProperty({ required: false, description: 'An initial load: the file (or system API) it read' })
  file?: string;

  @ApiProperty({ required: false, example: 'erp', description: 'An initial load: the source system' })
  system?: string;

  @ApiProperty({ required: false, type: 'integer', description: 'An initial load: records read' })
  records?: number;

  @ApiProperty({ required: false, description: 'An initial load: records per second' })
  recordsPerSecond?: number;

  @ApiProperty({ required: false, type: 'integer', description: 'An initial load: wall time' })
  durationMs?: number;
}

/** A stored report with its delivery to the webhook. */
export class SyncReportDto {
  @ApiProperty({ type: SyncReportBodyDto })
  report!: SyncReportBodyDto;

  @ApiProperty()
  createdAt!: Date;

  @ApiProperty({ type: Date, nullable: true })
  sentAt!: Date | null;

  @ApiProperty({ type: 'integer' })
  sendAttempts!: number;

  @ApiProperty({ type: String, nullable: true })
  lastError!: string | null;
}
