import { ApiProperty } from '@nestjs/swagger';

/** One initial load (load_run): where it stands while it runs, what it did once completed. */
export class InitialLoadDto {
  @ApiProperty({ example: 'load-20260102T030405-1a2b3c4d' })
  id!: string;

  @ApiProperty({ example: 'erp', description: 'The source system the file came from' })
  system!: string;

  @ApiProperty({ example: 'customers.ndjson', description: 'The file name (no directory)' })
  file!: string;

  @ApiProperty({ enum: ['running', 'completed'] })
  status!: 'running' | 'completed';

  @ApiProperty({ type: 'integer', description: 'Records committed so far' })
  records!: number;

  @ApiProperty({
    type: 'integer',
    description: 'Bytes of the file committed so far (a pull: the last party id)',
  })
  bytesRead!: number;

  @ApiProperty({ type: 'integer' })
  fileSize!: number;

  @ApiProperty({
    minimum: 0,
    maximum: 1,
    example: 0.42,
    description: 'How far the load is, 0 to 1: bytes of the file, or parties of a pull',
  })
  progress!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'created, updated, unchanged, conflicts, failed, ...',
  })
  counts!: Record<string, number>;

  @ApiProperty()
  startedAt!: Date;

  @ApiProperty({ description: 'The last committed batch' })
  updatedAt!: Date;

  @ApiProperty({ type: Date, nullable: true })
  finishedAt!: Date | null;
}
