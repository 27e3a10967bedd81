import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';

import { ApiTokenGuard, RequireRole, TokenThrottlerGuard } from '@switchboard/platform';
import { SyncReportDto } from './dto/sync-report.dto';
import { SyncReportsService } from './sync-reports.service';

@ApiTags('sync-reports')
@Controller('v1/sync-reports')
@UseGuards(ApiTokenGuard, TokenThrottlerGuard)
@RequireRole('viewer')
export class SyncReportsController {
  constructor(private readonly reports: SyncReportsService) {}

  /** Reports of incremental run windows and initial loads, newest first. */
  @Get()
  @ApiOperation({
    summary: 'Reports of incremental run windows and initial loads, newest first (at most 200)',
  })
  @ApiQuery({ name: 'kind', required: false, enum: ['incremental', 'initial_load'] })
  @ApiOkResponse({ type: [SyncReportDto] })
  list(@Query('kind') kind?: string): Promise<SyncReportDto[]> {
    return this.reports.list(kind);
  }
}
