import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiTokenGuard, RequireRole, TokenThrottlerGuard } from '@switchboard/platform';
import { InitialLoadDto } from './dto/initial-load.dto';
import { SyncReportsService } from './sync-reports.service';

@ApiTags('sync-reports')
@Controller('v1/initial-loads')
@UseGuards(ApiTokenGuard, TokenThrottlerGuard)
@RequireRole('viewer')
export class InitialLoadsController {
  constructor(private readonly reports: SyncReportsService) {}

  @Get()
  @ApiOperation({ summary: 'The latest initial loads (at most 20), newest first, with their progress' })
  @ApiOkResponse({ type: [InitialLoadDto] })
  list(): Promise<InitialLoadDto[]> {
    return this.reports.initialLoads();
  }
}
