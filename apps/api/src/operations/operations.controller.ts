import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';

import { Roles } from '../auth/decorators';
import { paginated } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { toOperationView } from '../provisioning/operation.view';
import { OperationStatusService } from '../provisioning/operation-status.service';
import { ProvisioningService } from '../provisioning/provisioning.service';
import { MacctRepairRequestDto, OperationsQueryDto, ProvisionRequestDto } from './dto/operations.dto';
import { hostRefOf, OperationsService } from './operations.service';

@ApiTags('operations')
@ApiBearerAuth()
@Controller('operations')
export class OperationsController {
  constructor(
    private readonly operations: OperationsService,
    private readonly provisioning: ProvisioningService,
    private readonly statuses: OperationStatusService,
  ) {}

  @Get('provision')
  @ApiOperation({ summary: 'Provisioning operations, newest first (filter by status and hostname)' })
  async listProvision(@Query() query: OperationsQueryDto) {
    const [items, total] = await this.operations.list('provision_host', query);
    return paginated(items.map(toOperationView), total, query.page, query.limit);
  }

  @Get('provision/:id')
  async getProvision(@UuidParam() id: string) {
    return { data: toOperationView(await this.operations.get('provision_host', id)) };
  }

  @Post('provision')
  @Roles('admin', 'operator')
  @ApiOperation({ summary: 'Queue a provisioning job for an existing host (default action update)' })
  async provision(@Body() body: ProvisionRequestDto) {
    return { data: toOperationView(await this.provisioning.requestProvision(hostRefOf(body), body.action)) };
  }

  @Post('provision/:id/retry')
  @Roles('admin', 'operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'Retry a failed operation (within its attempt limit, if still the host’s latest)' })
  async retry(@UuidParam() id: string) {
    return { data: toOperationView(await this.statuses.retryByUser(id)) };
  }

  @Post('macct-repair')
  @Roles('admin', 'operator')
  @ApiOperation({ summary: 'Queue a machine-account repair (DOMAIN.md §10)' })
  async macctRepair(@Body() body: MacctRepairRequestDto) {
    return { data: toOperationView(await this.provisioning.requestMacctRepair(hostRefOf(body))) };
  }

  @Get('macct')
  @ApiOperation({ summary: 'Machine-account repairs, newest first' })
  async listMacct(@Query() query: OperationsQueryDto) {
    const [items, total] = await this.operations.list('macct_repair', query);
    return paginated(items.map(toOperationView), total, query.page, query.limit);
  }

  @Get('macct/:id')
  async getMacct(@UuidParam() id: string) {
    return { data: toOperationView(await this.operations.get('macct_repair', id)) };
  }

  @Post('macct/:id/retry')
  @Roles('admin', 'operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'Retry a failed machine-account repair (within its attempt limit)' })
  async retryMacct(@UuidParam() id: string) {
    return { data: toOperationView(await this.statuses.retryByUser(id, 'macct_repair')) };
  }
}
