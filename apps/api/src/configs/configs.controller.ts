import { Body, Controller, Delete, Get, Patch, Post, Query } from '@nestjs/common';
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
import { CatalogListQueryDto } from '../common/catalog/catalog.dto';
import type { CatalogEntryView } from '../common/catalog/catalog.service';
import type { Paginated } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { ConfigsService } from './configs.service';
import { CreateConfigDto, UpdateConfigDto } from './dto/config.dto';

/** Configs (DOMAIN.md §7): any signed-in user reads, admin and operator write, only admin deletes (docs/API.md). */
@ApiTags('configs')
@ApiBearerAuth()
@Controller('configs')
export class ConfigsController {
  constructor(private readonly configs: ConfigsService) {}

  @Get()
  @ApiOkResponse({ description: '`{data: ConfigView[], pagination}`' })
  list(@Query() query: CatalogListQueryDto): Promise<Paginated<CatalogEntryView>> {
    return this.configs.list(query);
  }

  @Get(':id')
  @ApiOkResponse()
  @ApiNotFoundResponse()
  async get(@UuidParam() id: string): Promise<{ data: CatalogEntryView }> {
    return { data: await this.configs.get(id) };
  }

  @Post()
  @Roles('admin', 'operator')
  @ApiCreatedResponse()
  @ApiBadRequestResponse({ description: "VALIDATION_ERROR, e.g. ';' or a newline in the name" })
  @ApiConflictResponse({ description: 'DUPLICATE_ENTRY (names compare case-insensitively)' })
  async create(@Body() dto: CreateConfigDto): Promise<{ data: CatalogEntryView }> {
    return { data: await this.configs.create(dto) };
  }

  @Patch(':id')
  @Roles('admin', 'operator')
  @ApiOkResponse({ description: 'a rename queues an update job for every host with the config' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  async update(@UuidParam() id: string, @Body() dto: UpdateConfigDto): Promise<{ data: CatalogEntryView }> {
    return { data: await this.configs.update(id, dto) };
  }

  @Delete(':id')
  @Roles('admin')
  @ApiOkResponse()
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'IN_USE: hosts still use the config' })
  async remove(@UuidParam() id: string): Promise<{ data: { id: string; name: string } }> {
    return { data: await this.configs.remove(id) };
  }
}
