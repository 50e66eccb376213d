import { Body, Controller, Get, HttpCode, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/decorators';
import { UuidParam } from '../common/uuid-param';
import { OperationStatusService } from '../provisioning/operation-status.service';
import { toOperationView } from '../provisioning/operation.view';
import { OperationsService } from '../operations/operations.service';
import { BulkStatusRequestDto, OperationQueryDto, StatusReportDto, WorkerRetryDto } from './dto/internal.dto';
import { InternalKeyGuard } from './internal-key.guard';

/** The DC worker's side of the API (DOMAIN.md §7): no JWT, the shared internal key instead. */
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

  // the bulk routes come first: literal paths, one request per batch instead of per job

  @Post('query')
  @HttpCode(200)
  @ApiOperation({ summary: 'Many operations at once: in the order asked, unknown ids left out' })
  async query(@Body() body: OperationQueryDto) {
    const ops = await this.operations.findInOrder(body.ids);
    return { data: ops.map(toOperationView) };
  }

  @Patch('status')
  @ApiOperation({
    summary: 'Many status reports at once, applied in order like the single PATCH',
    description: 'Per report: stored | rejected (illegal move) | not_found. 503 when the database is down.',
  })
  async reportMany(@Body() body: BulkStatusRequestDto) {
    return { data: await this.statuses.applyReports(body.reports) };
  }

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
