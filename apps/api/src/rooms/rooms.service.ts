import { Injectable } from '@nestjs/common';

import { ApiError } from '../common/api-error';
import { CatalogEntryView, CatalogService } from '../common/catalog/catalog.service';
import { DEFAULT_SCHOOL_NAME } from '../common/device-rules';
import type { Paginated } from '../common/pagination';
import { HostsService } from '../hosts/hosts.service';
import { PrismaService } from '../prisma/prisma.service';
import { CreateRoomDto, RoomListQueryDto } from './dto/room.dto';

/** Rooms (DOMAIN.md §6): the name is devices.csv column 0 and an AD room group; a school owns each room. */
@Injectable()
export class RoomsService extends CatalogService {
  constructor(
    private readonly db: PrismaService,
    hosts: HostsService,
  ) {
    super(db, hosts, {
      noun: 'room',
      table: (db) => db.room,
      hostsOf: (roomId) => ({ roomId }),
      inUseMessage: (name, hosts) => `room ${name} still has ${hosts} host(s); move or delete them first`,
    });
  }

  async listRooms(q: RoomListQueryDto): Promise<Paginated<CatalogEntryView>> {
    return this.list(q, q.school ? { schoolId: await this.schoolId(q.school) } : undefined);
  }

  async createRoom(dto: CreateRoomDto): Promise<CatalogEntryView> {
    const { school, ...entry } = dto;
    return this.create(entry, { schoolId: await this.schoolId(school ?? DEFAULT_SCHOOL_NAME) });
  }

  private async schoolId(name: string): Promise<string> {
    const row = await this.db.school.findUnique({ where: { name }, select: { id: true } });
    if (!row) throw ApiError.notFound(`School "${name}"`);
    return row.id;
  }
}
