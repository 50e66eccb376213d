import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { likeLiteral, Paginated, paginated, pageWindow } from '../common/pagination';
import type { Room } from '../generated/prisma/client';
import { HostsService } from '../hosts/hosts.service';
import { PrismaService } from '../prisma/prisma.service';
import { CreateRoomDto, ListRoomsQueryDto, UpdateRoomDto } from './dto/room.dto';

export interface RoomView {
  id: string;
  name: string;
  description: string | null;
  hostCount: number;
  createdAt: string;
  updatedAt: string;
}

type RoomWithCount = Room & { _count: { hosts: number } };
const WITH_COUNT = { _count: { select: { hosts: true } } } as const;

function toRoomView(room: RoomWithCount): RoomView {
  return {
    id: room.id,
    name: room.name,
    description: room.description,
    hostCount: room._count.hosts,
    createdAt: room.createdAt.toISOString(),
    updatedAt: room.updatedAt.toISOString(),
  };
}

/**
 * Rooms (SPEC §6): the name is devices.csv column 0 and an AD room group. AD names are
 * case-insensitive, so two rooms differing only in case are refused (409), although the column
 * itself is case-sensitive.
 */
@Injectable()
export class RoomsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly hosts: HostsService,
  ) {}

  async list(q: ListRoomsQueryDto): Promise<Paginated<RoomView>> {
    const where = q.search ? { name: { contains: likeLiteral(q.search), mode: 'insensitive' as const } } : {};
    const [total, rooms] = await Promise.all([
      this.prisma.room.count({ where }),
      this.prisma.room.findMany({ where, include: WITH_COUNT, orderBy: { name: 'asc' }, ...pageWindow(q) }),
    ]);
    return paginated(rooms.map(toRoomView), total, q.page, q.limit);
  }

  async get(id: string): Promise<RoomView> {
    const room = await this.prisma.room.findUnique({ where: { id }, include: WITH_COUNT });
    if (!room) throw ApiError.notFound(`Room ${id}`);
    return toRoomView(room);
  }

  async create(dto: CreateRoomDto): Promise<RoomView> {
    await this.assertNameFree(dto.name);
    const room = await this.prisma.room.create({
      data: { name: dto.name, description: dto.description ?? null },
      include: WITH_COUNT,
    });
    return toRoomView(room);
  }

  /**
   * A rename changes column 0 of every host in the room, so each of them gets an update job in
   * the same transaction as the rename (SPEC §8; docs/API.md "Renaming a room or config").
   */
  async update(id: string, dto: UpdateRoomDto): Promise<RoomView> {
    if (dto.name === null) throw ApiError.validation('name', 'name must not be null');
    const { room, ops, hostIds } = await this.prisma.$transaction(async (tx) => {
      const before = await tx.room.findUnique({ where: { id } });
      if (!before) throw ApiError.notFound(`Room ${id}`);
      const renamed = dto.name !== undefined && dto.name !== before.name;
      if (renamed) await this.assertNameFree(dto.name as string, id, tx);
      const updated = await tx.room.update({
        where: { id },
        data: {
          ...(dto.name !== undefined ? { name: dto.name } : {}),
          ...(dto.description !== undefined ? { description: dto.description } : {}),
        },
        include: WITH_COUNT,
      });
      const requeued = renamed ? await this.hosts.requeueHosts(tx, { roomId: id }) : { ops: [], hostIds: [] };
      return { room: updated, ...requeued };
    });
    await this.hosts.announce(ops, hostIds, 'host.updated');
    return toRoomView(room);
  }

  async remove(id: string): Promise<{ id: string; name: string }> {
    const room = await this.prisma.room.findUnique({ where: { id }, include: WITH_COUNT });
    if (!room) throw ApiError.notFound(`Room ${id}`);
    if (room._count.hosts > 0) {
      throw new ApiError(
        409,
        'IN_USE',
        `room ${room.name} still has ${room._count.hosts} host(s); move or delete them first`,
      );
    }
    // a host added meanwhile makes the FK refuse the delete: P2003 → 409 IN_USE in the filter
    await this.prisma.room.delete({ where: { id } });
    return { id: room.id, name: room.name };
  }

  private async assertNameFree(
    name: string,
    exceptId?: string,
    db: Pick<PrismaService, 'room'> = this.prisma,
  ): Promise<void> {
    const clash = await db.room.findFirst({
      where: { name: { equals: name, mode: 'insensitive' }, ...(exceptId ? { NOT: { id: exceptId } } : {}) },
      select: { name: true },
    });
    if (clash) throw ApiError.duplicate('name', `room name ${name} is already used by room ${clash.name}`);
  }
}
