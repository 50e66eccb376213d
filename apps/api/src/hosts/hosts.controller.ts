import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';

import { Roles } from '../auth/decorators';
import { Paginated } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { SchoolQueryDto } from '../schools/dto/school.dto';
import { CreateHostDto, ListHostsQueryDto, UpdateHostDto } from './dto/host.dto';
import { HostView } from './host.view';
import { DeletedHost, HostsService } from './hosts.service';

@ApiTags('hosts')
@ApiBearerAuth()
@Controller('hosts')
export class HostsController {
  constructor(private readonly hosts: HostsService) {}

  @Get()
  @ApiOkResponse({ description: '`{data: HostView[], pagination}`' })
  @ApiBadRequestResponse({ description: 'limit > 100, unknown sort field, bad filter' })
  list(@Query() query: ListHostsQueryDto): Promise<Paginated<HostView>> {
    return this.hosts.list(query);
  }

  @Get('by-name/:hostname')
  @ApiOkResponse({ description: 'case-insensitive lookup by hostname' })
  @ApiNotFoundResponse()
  async byName(@Param('hostname') hostname: string, @Query() query: SchoolQueryDto): Promise<{ data: HostView }> {
    return { data: await this.hosts.getByName(hostname, query.school) };
  }

  @Get(':id')
  @ApiOkResponse()
  @ApiNotFoundResponse()
  async get(@UuidParam() id: string): Promise<{ data: HostView }> {
    return { data: await this.hosts.get(id) };
  }

  @Post()
  @Roles('admin', 'operator')
  @ApiCreatedResponse({ description: 'the host; with provisioning on, a create job is queued (provisionOpId)' })
  @ApiBadRequestResponse({ description: 'VALIDATION_ERROR naming the field' })
  @ApiConflictResponse({ description: 'DUPLICATE_ENTRY: hostname, macAddress or ipAddress in use' })
  async create(@Body() dto: CreateHostDto): Promise<{ data: HostView }> {
    return { data: await this.hosts.create(dto) };
  }

  @Patch(':id')
  @Roles('admin', 'operator')
  @ApiOkResponse({ description: 'the host; an update job is queued when a devices.csv field changed' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  async update(@UuidParam() id: string, @Body() dto: UpdateHostDto): Promise<{ data: HostView }> {
    return { data: await this.hosts.update(id, dto) };
  }

  @Delete(':id')
  @Roles('admin', 'operator')
  @ApiOkResponse({ description: '`{data: {id, hostname, operationId}}`; the delete job removes the host from the DC' })
  @ApiNotFoundResponse()
  async remove(@UuidParam() id: string): Promise<{ data: DeletedHost }> {
    return { data: await this.hosts.remove(id) };
  }
}
