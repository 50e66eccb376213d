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
import type { CatalogEntryView } from '../common/catalog/catalog.service';
import type { Paginated } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { CreateRoomDto, RoomListQueryDto, UpdateRoomDto } from './dto/room.dto';
import { RoomsService } from './rooms.service';

/** Rooms (DOMAIN.md §7): any signed-in user reads, admin and operator write, only admin deletes (docs/API.md). */
@ApiTags('rooms')
@ApiBearerAuth()
@Controller('rooms')
export class RoomsController {
  constructor(private readonly rooms: RoomsService) {}

  @Get()
  @ApiOkResponse({ description: '`{data: RoomView[], pagination}`' })
  list(@Query() query: RoomListQueryDto): Promise<Paginated<CatalogEntryView>> {
    return this.rooms.listRooms(query);
  }

  @Get(':id')
  @ApiOkResponse()
  @ApiNotFoundResponse()
  async get(@UuidParam() id: string): Promise<{ data: CatalogEntryView }> {
    return { data: await this.rooms.get(id) };
  }

  @Post()
  @Roles('admin', 'operator')
  @ApiCreatedResponse()
  @ApiBadRequestResponse({ description: "VALIDATION_ERROR, e.g. ';' or a newline in the name" })
  @ApiConflictResponse({ description: 'DUPLICATE_ENTRY (names compare case-insensitively)' })
  async create(@Body() dto: CreateRoomDto): Promise<{ data: CatalogEntryView }> {
    return { data: await this.rooms.createRoom(dto) };
  }

  @Patch(':id')
  @Roles('admin', 'operator')
  @ApiOkResponse({ description: 'a rename queues an update job for every host in the room' })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  async update(@UuidParam() id: string, @Body() dto: UpdateRoomDto): Promise<{ data: CatalogEntryView }> {
    return { data: await this.rooms.update(id, dto) };
  }

  @Delete(':id')
  @Roles('admin')
  @ApiOkResponse()
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'IN_USE: the room still has hosts' })
  async remove(@UuidParam() id: string): Promise<{ data: { id: string; name: string } }> {
    return { data: await this.rooms.remove(id) };
  }
}
