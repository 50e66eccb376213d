import { createHash, randomBytes } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import { ApiError } from '../common/api-error';
import { DEFAULT_DC_ID, DEFAULT_SCHOOL_ID, DEFAULT_SCHOOL_NAME, schoolPrefixProblem } from '../common/device-rules';
import type { Prisma } from '../generated/prisma/client';
import { HostsService } from '../hosts/hosts.service';
import { PrismaService } from '../prisma/prisma.service';
import { CreateDcDto, CreateSchoolDto, UpdateSchoolDto } from './dto/school.dto';

export interface SchoolView {
  id: string;
  name: string;
  description: string | null;
  dcId: string;
  csvCol0Source: string;
  roomCount: number;
  hostCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface DcView {
  id: string;
  description: string | null;
  schools: string[];
  /** active (not revoked) worker keys */
  keys: { id: string; createdAt: string }[];
  createdAt: string;
  updatedAt: string;
}

const SCHOOL_COUNTS = { _count: { select: { rooms: true, hosts: true } } } as const;
type SchoolRow = Prisma.SchoolGetPayload<{ include: typeof SCHOOL_COUNTS }>;

function toSchoolView(row: SchoolRow): SchoolView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    dcId: row.dcId,
    csvCol0Source: row.csvCol0Source,
    roomCount: row._count.rooms,
    hostCount: row._count.hosts,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** SHA-256 of a worker key: what is stored and compared (the key itself is shown once). */
export function hashWorkerKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Schools and DCs (docs/DOMAIN.md §6). A school owns rooms; a DC serves a
 * set of schools and has its own worker, stream and keys.
 */
@Injectable()
export class SchoolsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly hosts: HostsService,
  ) {}

  async list(): Promise<SchoolView[]> {
    const rows = await this.prisma.school.findMany({ include: SCHOOL_COUNTS, orderBy: { name: 'asc' } });
    return rows.map(toSchoolView);
  }

  async get(id: string): Promise<SchoolView> {
    const row = await this.prisma.school.findUnique({ where: { id }, include: SCHOOL_COUNTS });
    if (!row) throw ApiError.notFound(`School ${id}`);
    return toSchoolView(row);
  }

  /** The school of a `?school=` name: 404 when there is none. */
  async byName(name: string): Promise<{ id: string; name: string; dcId: string; csvCol0Source: string }> {
    const row = await this.prisma.school.findUnique({ where: { name } });
    if (!row) throw ApiError.notFound(`School "${name}"`);
    return row;
  }

  async create(dto: CreateSchoolDto): Promise<SchoolView> {
    // names never change, and a new school has no hosts: refusing a prefix that no hostname fits
    // behind is all the school side of the DC-name rule needs (DOMAIN.md §2 "school prefixes")
    const prefix = schoolPrefixProblem(dto.name);
    if (prefix) throw new ApiError(400, 'DC_NAME_TOO_LONG', prefix, { field: 'name', length: dto.name.length });
    if (await this.prisma.school.findUnique({ where: { name: dto.name } })) {
      throw ApiError.duplicate('name', `school ${dto.name} already exists`);
    }
    const dcId = dto.dcId ?? DEFAULT_DC_ID;
    await this.assertDc(dcId);
    const row = await this.prisma.school.create({
      data: {
        name: dto.name,
        dcId,
        csvCol0Source: dto.csvCol0Source ?? 'room',
        description: dto.description ?? null,
      },
      include: SCHOOL_COUNTS,
    });
    return toSchoolView(row);
  }

  /**
   * Moving a school to another DC is refused while it has hosts (their lines, accounts and DNS would
   * have to move between servers: delete them there first). Changing column 0's source re-queues
   * every host of the school (its devices.csv line changes), after checking that each can be written.
   */
  async update(id: string, dto: UpdateSchoolDto): Promise<SchoolView> {
    const { ops, hostIds } = await this.prisma.$transaction(async (tx) => {
      const before = await tx.school.findUnique({ where: { id }, include: SCHOOL_COUNTS });
      if (!before) throw ApiError.notFound(`School ${id}`);
      if (dto.dcId !== undefined && dto.dcId !== before.dcId) {
        await this.assertDc(dto.dcId, tx);
        if (before._count.hosts > 0) {
          throw new ApiError(
            409,
            'IN_USE',
            `school ${before.name} still has ${before._count.hosts} host(s); delete them before moving it to another DC`,
          );
        }
      }
      const col0Changed = dto.csvCol0Source !== undefined && dto.csvCol0Source !== before.csvCol0Source;
      if (col0Changed && dto.csvCol0Source === 'group') await this.hosts.assertGroupColumnFits(tx, id);
      await tx.school.update({
        where: { id },
        data: {
          ...(dto.dcId !== undefined ? { dcId: dto.dcId } : {}),
          ...(dto.csvCol0Source !== undefined ? { csvCol0Source: dto.csvCol0Source } : {}),
          ...(dto.description !== undefined ? { description: dto.description } : {}),
        },
      });
      return col0Changed ? this.hosts.requeueHosts(tx, { schoolId: id }) : { ops: [], hostIds: [] };
    });
    await this.hosts.announce(ops, hostIds, 'host.updated');
    return this.get(id);
  }

  async remove(id: string): Promise<{ id: string; name: string }> {
    if (id === DEFAULT_SCHOOL_ID) {
      throw new ApiError(409, 'IN_USE', `${DEFAULT_SCHOOL_NAME} holds every host without a room and cannot be deleted`);
    }
    const row = await this.prisma.school.findUnique({ where: { id }, include: SCHOOL_COUNTS });
    if (!row) throw ApiError.notFound(`School ${id}`);
    if (row._count.rooms + row._count.hosts > 0) {
      throw new ApiError(409, 'IN_USE', `school ${row.name} still has rooms or hosts; delete them first`);
    }
    await this.prisma.school.delete({ where: { id } });
    return { id: row.id, name: row.name };
  }

  // ---- DCs ---------------------------------------------------------------------------------

  async listDcs(): Promise<DcView[]> {
    const rows = await this.prisma.dc.findMany({
      include: { schools: { select: { name: true } }, keys: { where: { revokedAt: null } } },
      orderBy: { id: 'asc' },
    });
    return rows.map((dc) => ({
      id: dc.id,
      description: dc.description,
      schools: dc.schools.map((s) => s.name).sort(),
      keys: dc.keys.map((k) => ({ id: k.id, createdAt: k.createdAt.toISOString() })),
      createdAt: dc.createdAt.toISOString(),
      updatedAt: dc.updatedAt.toISOString(),
    }));
  }

  async createDc(dto: CreateDcDto): Promise<DcView> {
    if (await this.prisma.dc.findUnique({ where: { id: dto.id } })) {
      throw ApiError.duplicate('id', `DC ${dto.id} already exists`);
    }
    await this.prisma.dc.create({ data: { id: dto.id, description: dto.description ?? null } });
    return (await this.listDcs()).find((d) => d.id === dto.id)!;
  }

  async removeDc(id: string): Promise<{ id: string }> {
    if (id === DEFAULT_DC_ID) throw new ApiError(409, 'IN_USE', 'the default DC cannot be deleted');
    const dc = await this.prisma.dc.findUnique({ where: { id }, include: { _count: { select: { schools: true } } } });
    if (!dc) throw ApiError.notFound(`DC ${id}`);
    if (dc._count.schools > 0)
      throw new ApiError(409, 'IN_USE', `DC ${id} still serves ${dc._count.schools} school(s)`);
    await this.prisma.dc.delete({ where: { id } });
    return { id };
  }

  /** A new internal key for the DC's worker: returned once, stored as its SHA-256 only. */
  async createKey(dcId: string): Promise<{ id: string; dcId: string; key: string }> {
    await this.assertDc(dcId);
    const key = `lwk_${dcId}_${randomBytes(32).toString('base64url')}`;
    const row = await this.prisma.workerKey.create({ data: { dcId, keyHash: hashWorkerKey(key) } });
    return { id: row.id, dcId, key };
  }

  async revokeKey(dcId: string, keyId: string): Promise<{ id: string; revokedAt: string }> {
    const row = await this.prisma.workerKey.findFirst({ where: { id: keyId, dcId } });
    if (!row) throw ApiError.notFound(`key ${keyId} of DC ${dcId}`);
    const revoked = row.revokedAt
      ? row
      : await this.prisma.workerKey.update({ where: { id: keyId }, data: { revokedAt: new Date() } });
    return { id: revoked.id, revokedAt: revoked.revokedAt!.toISOString() };
  }

  private async assertDc(id: string, db: PrismaService | Prisma.TransactionClient = this.prisma): Promise<void> {
    if (!(await db.dc.findUnique({ where: { id } }))) {
      throw ApiError.validation('dcId', `dcId ${id} does not name an existing DC`);
    }
  }
}
