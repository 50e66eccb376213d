import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';

import type { InternalKeyIdentity } from '@app/provisioning';

import { Public } from '../auth/decorators';
import { InternalKeyGuard, InternalRequest } from './internal-key.guard';

/**
 * Which DC the caller's internal key belongs to. The worker asks at start-up and in `--check`: a worker
 * started with DC_ID=a but the key of DC b would read a's stream and get 403 on every report
 * (docs/OPERATIONS.md "Worker keys").
 */
@ApiTags('internal')
@ApiSecurity('internal-key')
@Public()
@UseGuards(InternalKeyGuard)
@Controller('internal')
export class InternalIdentityController {
  @Get('whoami')
  @ApiOperation({
    summary: "The DC of this X-Internal-Key: {dcId} for a DC's key, {dcId: null, shared: true} for INTERNAL_API_KEY",
  })
  whoami(@Req() req: InternalRequest): { data: InternalKeyIdentity } {
    const dcId = req.internalCaller?.dcId ?? null;
    return { data: dcId === null ? { dcId: null, shared: true } : { dcId, shared: false } };
  }
}
