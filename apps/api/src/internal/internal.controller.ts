import { Body, Controller, Get, HttpCode, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/decorators';
import { UuidParam } from '../common/uuid-param';
import { OperationStatusService } from '../provisioning/operation-status.service';
import { toOperationView } from '../provisioning/operation.view';
import { OperationsService } from '../operations/operations.service';
import { StatusReportDto, WorkerRetryDto } from './dto/internal.dto';
import { InternalKeyGuard } from './internal-key.guard';

/** The DC worker's side of the API (SPEC §7): no JWT, the shared internal key instead. */
@ApiTags('internal')
@ApiSecurity('internal-key')
@Public()
@UseGuards(InternalKeyGuard)
@Controller('internal/operations')
export class InternalController {
  constructor(
    private readonly operations: OperationsService,
    private readonly statuses: OperationStatusService,
  ) {}

  @Get(':id')
  @ApiOperation({ summary: 'The operation with its frozen options snapshot' })
  async get(@UuidParam() id: string) {
    const op = await this.operations.find(id);
    return { data: toOperationView(op) };
  }

  @Patch(':id/status')
  @ApiOperation({ summary: 'Report a status (idempotent; 409 INVALID_TRANSITION for an illegal move)' })
  async report(@UuidParam() id: string, @Body() body: StatusReportDto) {
    const { operation, changed } = await this.statuses.applyReport(id, body);
    return { data: { ...toOperationView(operation), changed } };
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Retry after a transient failure, or dead-letter past the attempt limit' })
  async retry(@UuidParam() id: string, @Body() body: WorkerRetryDto) {
    return { data: await this.statuses.retryByWorker(id, body.error) };
  }
}
