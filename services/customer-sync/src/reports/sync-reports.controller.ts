import { Controller, Get, Query, UseGuards } from '@nestjs/common';

import { ApiTokenGuard, RequireRole, TokenThrottlerGuard } from '@switchboard/platform';
import { SyncReportsService } from './sync-reports.service';

@Controller('v1/sync-reports')
@UseGuards(ApiTokenGuard, TokenThrottlerGuard)
@RequireRole('viewer')
export class SyncReportsController {
  constructor(private readonly reports: SyncReportsService) {}

  /** Reports of incremental run windows and initial loads, newest first. */
  @Get()
  list(@Query('kind') kind?: string): Promise<unknown[]> {
    return this.reports.list(kind);
  }
}
