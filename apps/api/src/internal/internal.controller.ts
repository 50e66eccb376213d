import { Body, Controller, Get, HttpCode, Patch, Post, Req, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';

import { Public } from '../auth/decorators';
import { ApiError } from '../common/api-error';
import { UuidParam } from '../common/uuid-param';
import { OperationsService } from '../operations/operations.service';
import { PrismaService } from '../prisma/prisma.service';
import { toOperationView } from '../provisioning/operation.view';
import { OperationStatusService } from '../provisioning/operation-status.service';
import { BulkStatusRequestDto, OperationQueryDto, StatusReportDto, WorkerRetryDto } from './dto/internal.dto';
import { InternalKeyGuard, InternalRequest } from './internal-key.guard';

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
    private readonly prisma: PrismaService,
  ) {}

  /**
   * A DC's key reaches only the operations of that DC's schools (a worker reports only its own jobs): any other id in the
   * request is 403 FORBIDDEN (the whole request, nothing applied). Unknown ids pass through to the
   * route's own answer (not_found / 404).
   */
  private async assertOwned(req: InternalRequest, ids: string[]): Promise<void> {
    const dcId = req.internalCaller?.dcId ?? null;
    if (dcId === null || ids.length === 0) return;
    const foreign = await this.prisma.operation.findFirst({
      where: { id: { in: ids }, NOT: { dcId } },
      select: { id: true },
    });
    if (foreign) {
      throw new ApiError(403, 'FORBIDDEN', `operation ${foreign.id} belongs to another DC than this key's (${dcId})`);
    }
  }

  // the bulk routes come first: literal paths, one request per batch instead of per job

  @Post('query')
  @HttpCode(200)
  @ApiOperation({ summary: 'Many operations at once: in the order asked, unknown ids left out' })
  async query(@Body() body: OperationQueryDto, @Req() req: InternalRequest) {
    await this.assertOwned(req, body.ids);
    const ops = await this.operations.findInOrder(body.ids);
    return { data: ops.map(toOperationView) };
  }

  @Patch('status')
  @ApiOperation({
    summary: 'Many status reports at once, applied in order like the single PATCH',
    description: 'Per report: stored | rejected (illegal move) | not_found. 503 when the database is down.',
  })
  async reportMany(@Body() body: BulkStatusRequestDto, @Req() req: InternalRequest) {
    await this.assertOwned(
      req,
      body.reports.map((r) => r.id),
    );
    return { data: await this.statuses.applyReports(body.reports) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'The operation with its frozen options snapshot' })
  async get(@UuidParam() id: string, @Req() req: InternalRequest) {
    await this.assertOwned(req, [id]);
    const op = await this.operations.find(id);
    return { data: toOperationView(op) };
  }

  @Patch(':id/status')
  @ApiOperation({ summary: 'Report a status (idempotent; 409 INVALID_TRANSITION for an illegal move)' })
  async report(@UuidParam() id: string, @Body() body: StatusReportDto, @Req() req: InternalRequest) {
    await this.assertOwned(req, [id]);
    const { operation, changed } = await this.statuses.applyReport(id, body);
    return { data: { ...toOperationView(operation), changed } };
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Retry after a transient failure, or dead-letter past the attempt limit' })
  async retry(@UuidParam() id: string, @Body() body: WorkerRetryDto, @Req() req: InternalRequest) {
    await this.assertOwned(req, [id]);
    return { data: await this.statuses.retryByWorker(id, body.error) };
  }
}
