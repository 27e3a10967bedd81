import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
  type HealthIndicatorResult,
} from '@nestjs/terminus';

import { MessagingHealth } from './messaging-health';
import { SERVICE_READINESS, type ServiceReadiness } from './service-readiness';

/** Liveness says the process serves; readiness says it can do its job (database and Kafka). */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(MessagingHealth) private readonly messaging: MessagingHealth,
    @Optional() @Inject(SERVICE_READINESS) private readonly service?: ServiceReadiness,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    const service = this.service;
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 1_500 }),
      (): HealthIndicatorResult<'kafka'> => {
        const status = this.messaging.status();
        const session = this.indicators.check('kafka');
        return status.healthy ? session.up(status) : session.down(status);
      },
      ...(service ? [() => this.serviceCheck(service)] : []),
    ]);
  }

  private serviceCheck(service: ServiceReadiness): HealthIndicatorResult {
    const status = service.status();
    const session = this.indicators.check(service.name);
    return status.healthy ? session.up(status) : session.down(status);
  }
}
