import { Body, Controller, Delete, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';

import { Roles } from '../auth/decorators';
import { UuidParam } from '../common/uuid-param';
import { CreateDcDto, CreateSchoolDto, UpdateSchoolDto } from './dto/school.dto';
import { DcView, SchoolsService, SchoolView } from './schools.service';

/** Schools (DOMAIN.md §6): every signed-in user reads, only admins write. */
@ApiTags('schools')
@ApiBearerAuth()
@Controller('schools')
export class SchoolsController {
  constructor(private readonly schools: SchoolsService) {}

  @Get()
  @ApiOkResponse({ description: '`{data: SchoolView[]}`' })
  async list(): Promise<{ data: SchoolView[] }> {
    return { data: await this.schools.list() };
  }

  @Get(':id')
  async get(@UuidParam() id: string): Promise<{ data: SchoolView }> {
    return { data: await this.schools.get(id) };
  }

  @Post()
  @Roles('admin')
  @ApiCreatedResponse()
  @ApiConflictResponse({ description: 'DUPLICATE_ENTRY' })
  async create(@Body() dto: CreateSchoolDto): Promise<{ data: SchoolView }> {
    return { data: await this.schools.create(dto) };
  }

  @Patch(':id')
  @Roles('admin')
  @ApiConflictResponse({ description: 'IN_USE (moving a school with hosts), COL0_INVALID' })
  async update(@UuidParam() id: string, @Body() dto: UpdateSchoolDto): Promise<{ data: SchoolView }> {
    return { data: await this.schools.update(id, dto) };
  }

  @Delete(':id')
  @Roles('admin')
  async remove(@UuidParam() id: string): Promise<{ data: { id: string; name: string } }> {
    return { data: await this.schools.remove(id) };
  }
}

/** DCs and their worker keys (docs/OPERATIONS.md "Worker keys"): admins only, reads included (the list names the keys). */
@ApiTags('dcs')
@ApiBearerAuth()
@Controller('dcs')
export class DcsController {
  constructor(private readonly schools: SchoolsService) {}

  @Get()
  @Roles('admin')
  async list(): Promise<{ data: DcView[] }> {
    return { data: await this.schools.listDcs() };
  }

  @Post()
  @Roles('admin')
  async create(@Body() dto: CreateDcDto): Promise<{ data: DcView }> {
    return { data: await this.schools.createDc(dto) };
  }

  @Delete(':dcId')
  @Roles('admin')
  async remove(@Param('dcId') dcId: string): Promise<{ data: { id: string } }> {
    return { data: await this.schools.removeDc(dcId) };
  }

  /** The key is in this answer only; the API keeps its SHA-256. */
  @Post(':dcId/keys')
  @Roles('admin')
  @ApiCreatedResponse({ description: '`{data: {id, dcId, key}}`: store the key in the worker’s INTERNAL_API_KEY' })
  async createKey(@Param('dcId') dcId: string): Promise<{ data: { id: string; dcId: string; key: string } }> {
    return { data: await this.schools.createKey(dcId) };
  }

  @Delete(':dcId/keys/:keyId')
  @Roles('admin')
  async revokeKey(
    @Param('dcId') dcId: string,
    @UuidParam('keyId') keyId: string,
  ): Promise<{ data: { id: string; revokedAt: string } }> {
    return { data: await this.schools.revokeKey(dcId, keyId) };
  }
}
