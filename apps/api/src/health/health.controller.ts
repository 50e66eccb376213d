import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';

import { Public } from '../auth/decorators';
import { ApiError } from '../common/api-error';
import { HealthService, ReadyReport } from './health.service';

/** Liveness and readiness (CONVENTIONS.md habit 7); both public so probes need no token. */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOkResponse({ description: 'The process is up: `{data:{status:"ok"}}`' })
  live(): { data: { status: 'ok' } } {
    return { data: { status: 'ok' } };
  }

  @Get('ready')
  @ApiOkResponse({ description: 'Database and Redis answer' })
  @ApiServiceUnavailableResponse({ description: '503 SERVICE_UNAVAILABLE naming what is down' })
  async ready(): Promise<{ data: ReadyReport }> {
    const report = await this.health.ready();
    if (report.status !== 'ok') {
      const down = Object.entries(report.checks)
        .filter(([, state]) => state === 'down')
        .map(([name]) => name);
      throw new ApiError(503, 'SERVICE_UNAVAILABLE', `Not ready: ${down.join(' and ')} unreachable`, report.checks);
    }
    return { data: report };
  }
}
