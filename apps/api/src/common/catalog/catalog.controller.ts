import { Body, Delete, Get, Patch, Post, Query, Type } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
} from '@nestjs/swagger';
import { Roles } from '../../auth/decorators';
import { Paginated } from '../pagination';
import { UuidParam } from '../uuid-param';
import { CatalogListQueryDto } from './catalog.dto';
import { CatalogEntryInput, CatalogEntryView, CatalogService } from './catalog.service';

/** The DTO classes and the Swagger wording of one catalog's routes. */
export interface CatalogRoutes {
  createDto: Type<CatalogEntryInput & { name: string }>;
  updateDto: Type<CatalogEntryInput>;
  /** e.g. `RoomView` */
  view: string;
  /** whose update jobs a rename queues, e.g. `every host in the room` */
  renameQueues: string;
  /** why a delete is refused, e.g. `the room still has hosts` */
  inUse: string;
}

/**
 * The routes of a catalog (DOMAIN.md §7 "same for /configs"): any signed-in user reads, admin and
 * operator write, only admin deletes (docs/API.md). Extend the result with `@Controller(path)`
 * and a constructor that injects the catalog's service.
 */
export function CatalogController(routes: CatalogRoutes) {
  abstract class CatalogController {
    constructor(private readonly catalog: CatalogService) {}

    @Get()
    @ApiOkResponse({ description: `\`{data: ${routes.view}[], pagination}\`` })
    list(@Query() query: CatalogListQueryDto): Promise<Paginated<CatalogEntryView>> {
      return this.catalog.list(query);
    }

    @Get(':id')
    @ApiOkResponse()
    @ApiNotFoundResponse()
    async get(@UuidParam() id: string): Promise<{ data: CatalogEntryView }> {
      return { data: await this.catalog.get(id) };
    }

    @Post()
    @Roles('admin', 'operator')
    @ApiCreatedResponse()
    @ApiBadRequestResponse({ description: "VALIDATION_ERROR, e.g. ';' or a newline in the name" })
    @ApiConflictResponse({ description: 'DUPLICATE_ENTRY (names compare case-insensitively)' })
    async create(@Body() dto: CatalogEntryInput & { name: string }): Promise<{ data: CatalogEntryView }> {
      return { data: await this.catalog.create(dto) };
    }

    @Patch(':id')
    @Roles('admin', 'operator')
    @ApiOkResponse({ description: `a rename queues an update job for ${routes.renameQueues}` })
    @ApiNotFoundResponse()
    @ApiConflictResponse()
    async update(@UuidParam() id: string, @Body() dto: CatalogEntryInput): Promise<{ data: CatalogEntryView }> {
      return { data: await this.catalog.update(id, dto) };
    }

    @Delete(':id')
    @Roles('admin')
    @ApiOkResponse()
    @ApiNotFoundResponse()
    @ApiConflictResponse({ description: `IN_USE: ${routes.inUse}` })
    async remove(@UuidParam() id: string): Promise<{ data: { id: string; name: string } }> {
      return { data: await this.catalog.remove(id) };
    }
  }
  // TypeScript records a parameter's class (design:paramtypes) only where the signature names one;
  // these bodies are typed by an interface, so name the catalog's DTO classes here: the global
  // ValidationPipe validates against them and Swagger documents them.
  Reflect.defineMetadata('design:paramtypes', [routes.createDto], CatalogController.prototype, 'create');
  Reflect.defineMetadata('design:paramtypes', [String, routes.updateDto], CatalogController.prototype, 'update');
  return CatalogController;
}
